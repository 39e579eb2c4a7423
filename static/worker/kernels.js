// Kernels that TF.js's WASM backend lacks. The gradients that training needs
// (Conv2DBackpropFilter, the depthwise-convolution gradients, UnsortedSegmentSum) are
// composed of WASM kernels in wasm_gradients.js, which also replaces the backend's own
// Conv2DBackpropInput (a plain loop, ten times slower) and its matrix products with a
// transposed operand (plain loops too, 5-20x slower; and its fused one is wrong). Einsum, which no layer pyapp maps uses
// (only TF.js's MultiHeadAttention and EinsumDense, not in pyapp's layer table), is
// borrowed from the CPU backend: its inputs are copied out of the WASM heap, the CPU
// kernel runs, and the result is copied back.
import { wasmGradientKernels } from "./wasm_gradients.js";

const BORROWED = ["Einsum"];

// Calls of borrowed kernels by name, for tests: training a supported layer must make none.
export const borrowedCalls = {};
globalThis.pyappBorrowedKernelCalls = borrowedCalls;

function borrowFromCpu(tf, kernelName) {
  const cpuKernel = tf.getKernel(kernelName, "cpu");
  return ({ inputs, backend, attrs }) => {
    borrowedCalls[kernelName] = (borrowedCalls[kernelName] || 0) + 1;
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

// Registers the kernels above for WASM; returns the names of those it (re)registered.
export function addMissingWasmKernels(tf) {
  if (!tf.findBackend("wasm")) return [];
  const added = [];
  for (const [kernelName, kernelFunc] of Object.entries(wasmGradientKernels(tf))) {
    // The backend's setupFunc binds its wasm function when the backend starts; the matrix
    // products still call that function.
    const backendKernel = tf.getKernel(kernelName, "wasm");
    if (backendKernel) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc, setupFunc: backendKernel && backendKernel.setupFunc });
    added.push(kernelName);
  }
  for (const kernelName of BORROWED) {
    if (tf.getKernel(kernelName, "wasm") || !tf.findBackend("cpu") || !tf.getKernel(kernelName, "cpu")) continue;
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: borrowFromCpu(tf, kernelName) });
    added.push(kernelName);
  }
  return added;
}
