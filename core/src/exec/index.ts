export * from './runner.js';
export { LocalRunner } from './local.js';
export { RecordedRunner, type Recording } from './recorded.js';
export { ScriptedStreamRunner, type StreamScript } from './scripted-stream.js';
