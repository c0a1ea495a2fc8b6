export * from './runner.js';
export { LocalRunner } from './local.js';
export { RecordedRunner, type Recording } from './recorded.js';
