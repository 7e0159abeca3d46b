export { ngrok, webrtcCandidateList, type NgrokModule, type NgrokModuleOptions } from './init.js';
export { parseNgrokLine, tcpPublicAddress, type NgrokAddress, type NgrokLogEvent } from './log-line.js';
export { NgrokRunner, redactToken, resolveHost, type CandidateList, type NgrokTunnel } from './runner.js';
