/** A TCP port free on 127.0.0.1, below the kernel's ephemeral range (test/peers/ports.ts says why). */
export { freeTcpPort as freePort } from '../peers/ports.js';
