export { MultipartError, type MultipartErrorCode } from './errors.js';
export {
  MultipartParser,
  boundaryOf,
  normalizeBoundary,
  type MultipartPart,
  type MultipartParserOptions,
} from './parser.js';
