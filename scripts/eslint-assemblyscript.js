// AssemblyScript puts decorators on functions (@inline), which TypeScript's parser rejects. For
// linting, each becomes a block comment of the same length, so reported lines and columns hold.
const FUNCTION_DECORATOR = /@(inline|global|unsafe|lazy|final|external)\b/g;

export default {
  meta: { name: 'assemblyscript-decorators' },
  preprocess: (text) => [text.replace(FUNCTION_DECORATOR, (_, name) => `/*${name.slice(0, -3)}*/`)],
  postprocess: (messages) => messages.flat(),
  supportsAutofix: false,
};
