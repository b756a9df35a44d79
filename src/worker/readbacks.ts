/**
 * Counts tensor reads to the CPU (the TF.js backend's read/readSync, which every data()/dataSync()/array()
 * ends in). The WebGPU path must keep this at zero per frame; a test asserts it through the stats.
 */
let count = 0;

export function readbackCount(): number {
  return count;
}

interface ReadingBackend {
  read(dataId: object): Promise<unknown>;
  readSync(dataId: object): unknown;
}

export function countReadbacks(backend: ReadingBackend): void {
  const read = backend.read.bind(backend);
  const readSync = backend.readSync.bind(backend);
  backend.read = (dataId: object) => {
    count++;
    return read(dataId);
  };
  backend.readSync = (dataId: object) => {
    count++;
    return readSync(dataId);
  };
}
