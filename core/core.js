export async function instantiate(module, imports = {}) {
  const adaptedImports = {
    env: Object.setPrototypeOf({
      entropy(ptr, len) {
        // core/assembly/entropy/hostEntropy(usize, i32) => void
        ptr = ptr >>> 0;
        entropy(ptr, len);
      },
      abort(message, fileName, lineNumber, columnNumber) {
        // ~lib/builtins/abort(~lib/string/String | null?, ~lib/string/String | null?, u32?, u32?) => void
        message = __liftString(message >>> 0);
        fileName = __liftString(fileName >>> 0);
        lineNumber = lineNumber >>> 0;
        columnNumber = columnNumber >>> 0;
        (() => {
          // @external.js
          throw Error(`${message} in ${fileName}:${lineNumber}:${columnNumber}`);
        })();
      },
    }, Object.assign(Object.create(globalThis), imports.env || {})),
  };
  const { exports } = await WebAssembly.instantiate(module, adaptedImports);
  const memory = exports.memory || imports.env.memory;
  const adaptedExports = Object.setPrototypeOf({
    inputPtr() {
      // core/assembly/index/inputPtr() => usize
      return exports.inputPtr() >>> 0;
    },
    resultPtr() {
      // core/assembly/index/resultPtr() => usize
      return exports.resultPtr() >>> 0;
    },
    idPtr() {
      // core/assembly/index/idPtr() => usize
      return exports.idPtr() >>> 0;
    },
    outputPtr() {
      // core/assembly/index/outputPtr() => usize
      return exports.outputPtr() >>> 0;
    },
    datagramList() {
      // core/assembly/index/datagramList() => usize
      return exports.datagramList() >>> 0;
    },
  }, exports);
  function __liftString(pointer) {
    if (!pointer) return null;
    const
      end = pointer + new Uint32Array(memory.buffer)[pointer - 4 >>> 2] >>> 1,
      memoryU16 = new Uint16Array(memory.buffer);
    let
      start = pointer >>> 1,
      string = "";
    while (end - start > 1024) string += String.fromCharCode(...memoryU16.subarray(start, start += 1024));
    return string + String.fromCharCode(...memoryU16.subarray(start, end));
  }
  return adaptedExports;
}
