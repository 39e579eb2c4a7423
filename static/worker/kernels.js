// Kernels that TF.js's WASM backend lacks but training needs, borrowed from its CPU
// backend. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (so no Conv2D training),
// no depthwise-convolution gradients and no UnsortedSegmentSum (the gradient of gather,
// so no Embedding training). Each borrowed kernel copies its inputs out of the WASM heap,
// runs the CPU kernel and copies the result back: slower than a native kernel, but the
// model trains on WASM instead of failing with "kernel not registered".

const BORROWED = [
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
  "UnsortedSegmentSum",
  "Einsum",
];

function borrowFromCpu(tf, kernelName) {
  const cpuKernel = tf.getKernel(kernelName, "cpu");
  return ({ inputs, backend, attrs }) => {
    const cpu = tf.findBackend("cpu");
    const toCpu = (info) => ({ dataId: cpu.write(backend.readSync(info.dataId), info.shape, info.dtype), shape: info.shape, dtype: info.dtype });
    const cpuInputs = {};
    for (const [name, value] of Object.entries(inputs)) {
      cpuInputs[name] = Array.isArray(value) ? value.map(toCpu) : toCpu(value);
    }
    const result = cpuKernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs });
    const toWasm = (info) => {
      const dataId = backend.write(cpu.readSync(info.dataId), info.shape, info.dtype);
      cpu.disposeData(info.dataId);
      return { dataId, shape: info.shape, dtype: info.dtype };
    };
    for (const value of Object.values(cpuInputs)) {
      for (const info of Array.isArray(value) ? value : [value]) cpu.disposeData(info.dataId);
    }
    return Array.isArray(result) ? result.map(toWasm) : toWasm(result);
  };
}

export function addMissingWasmKernels(tf) {
  if (!tf.findBackend("wasm") || !tf.findBackend("cpu")) return [];
  const added = [];
  for (const kernelName of BORROWED) {
    if (tf.getKernel(kernelName, "wasm") || !tf.getKernel(kernelName, "cpu")) continue;
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: borrowFromCpu(tf, kernelName) });
    added.push(kernelName);
  }
  return added;
}
