export { MjpegError, type MjpegErrorCode } from './errors.js';
export { MJPEG_BOUNDARY, MJPEG_CONTENT_TYPE, multipartPart, partHeader } from './multipart.js';
export { jpegSize, type JpegSize } from './size.js';
export { JpegStreamSplitter, DEFAULT_MAX_FRAME_BYTES, type SplitterStats } from './splitter.js';
