export { assemble, AsmError } from './assemble.ts';
export { parseDataFile, type DataFile } from './datafile.ts';
