export { binaryFrameHeader } from './frame.js';
