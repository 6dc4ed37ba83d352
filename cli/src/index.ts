export { runCommand, type CommandIo } from './commands.js';
