export * from './error-codes.js';
export * from './error-messages.js';
export * from './certificate-status.js';
export * from './limits.js';
