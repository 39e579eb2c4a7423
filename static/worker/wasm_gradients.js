// Gradient kernels that tfjs-backend-wasm 4.22 lacks, composed of its own kernels, so
// training stays in the WASM heap: Conv2DBackpropFilter (Conv1D, Conv2D, SeparableConv2D,
// Conv2DTranspose), the depthwise-convolution gradients (DepthwiseConv2D,
// SeparableConv2D) and UnsortedSegmentSum (the gradient of gather: Embedding); and
// Conv2DBackpropInput and the matrix products with a transposed operand (Dense's
// gradients), which the backend has but runs as plain loops.
//
// A filter gradient, dW[kh, kw] = sum over b, i, j of x[b, i*sh + kh*dh - top, ...] *
// dy[b, i, j], is itself a convolution: of x with batch and channels swapped, by dy as
// the filter, with stride and dilation swapped. So XNNPACK's convolution computes it
// (docs/decisions.md has the measurement that chose this over im2col and BatchMatMul).

// Runs `build(op)`, where `op` calls a WASM kernel by name, and disposes of every
// intermediate but the result, also when a kernel throws.
function compose(tf, backend, build) {
  const made = [];
  const op = (kernelName, inputs, attrs = {}) => {
    const out = tf.getKernel(kernelName, "wasm").kernelFunc({ inputs, backend, attrs });
    made.push(out);
    return out;
  };
  let result = null;
  try {
    result = build(op);
    return result;
  } finally {
    for (const info of made) if (info !== result) backend.disposeData(info.dataId);
  }
}

// The padding before and after one spatial axis of a convolution that reads `taps` taps
// `tapStep` apart, `outputs` times `outputStep` apart, from `size` inputs padded by
// `before`; a negative `after` says how many trailing inputs it never reads.
function spanPadding(size, before, taps, tapStep, outputs, outputStep) {
  return [before, (taps - 1) * tapStep + (outputs - 1) * outputStep + 1 - before - size];
}

// A convolution (`kernelName` Conv2D or DepthwiseConv2dNative, NHWC) with padding
// [[top, bottom], [left, right]]; negative padding crops the input instead.
function paddedConvolution(op, kernelName, x, filter, padding, strides, dilations) {
  const axes = padding.map(([before, after], axis) => {
    const size = x.shape[axis + 1];
    const needed = before + size + after;
    const start = Math.min(size, Math.max(0, -before));
    const end = Math.max(start, size + Math.min(0, after));
    const first = Math.min(Math.max(0, before), needed);
    return { start, kept: end - start, pad: [first, needed - first - (end - start)], size };
  });
  const attrs = { strides, dilations, dataFormat: "NHWC", dimRoundingMode: undefined };
  const pad = [[0, 0], ...axes.map((axis) => axis.pad), [0, 0]];
  if (axes.every((axis) => axis.kept === axis.size)) return op(kernelName, { x, filter }, { ...attrs, pad });
  const begin = [0, axes[0].start, axes[1].start, 0];
  const kept = op("Slice", { x }, { begin, size: [x.shape[0], axes[0].kept, axes[1].kept, x.shape[3]] });
  const padded = op("PadV2", { x: kept }, { paddings: pad, constantValue: 0 });
  return op(kernelName, { x: padded, filter }, { ...attrs, pad: "valid" });
}

// The filter's padding along height and width, for a filter gradient (see the top).
function filterGradientPadding(info) {
  return [
    spanPadding(info.inHeight, info.padInfo.top, info.filterHeight, info.dilationHeight, info.outHeight, info.strideHeight),
    spanPadding(info.inWidth, info.padInfo.left, info.filterWidth, info.dilationWidth, info.outWidth, info.strideWidth),
  ];
}

function conv2DBackpropFilter(tf) {
  return ({ inputs, backend, attrs }) => compose(tf, backend, (op) => {
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    let { x, dy } = inputs;
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, format);
    if (format === "channelsFirst") {
      x = op("Transpose", { x }, { perm: [0, 2, 3, 1] });
      dy = op("Transpose", { x: dy }, { perm: [0, 2, 3, 1] });
    }
    const channelsAsBatch = op("Transpose", { x }, { perm: [3, 1, 2, 0] });
    const dyAsFilter = op("Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
    const gradient = paddedConvolution(op, "Conv2D", channelsAsBatch, dyAsFilter, filterGradientPadding(info),
      [info.dilationHeight, info.dilationWidth], [info.strideHeight, info.strideWidth]);
    return op("Transpose", { x: gradient }, { perm: [1, 2, 0, 3] });
  });
}

// The depthwise filter gradient is a depthwise convolution over batch x channels (each
// pair its own group), summed over the batch afterwards.
function depthwiseConv2dNativeBackpropFilter(tf) {
  return ({ inputs, backend, attrs }) => compose(tf, backend, (op) => {
    const { x, dy } = inputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
    const [batch, height, width, channels] = x.shape;
    const multiplier = filterShape[3];
    const xT = op("Transpose", { x }, { perm: [1, 2, 0, 3] });
    const groupsAsChannels = op("Reshape", { x: xT }, { shape: [1, height, width, batch * channels] });
    const dyT = op("Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
    const dyAsFilter = op("Reshape", { x: dyT }, { shape: [info.outHeight, info.outWidth, batch * channels, multiplier] });
    const perPair = paddedConvolution(op, "DepthwiseConv2dNative", groupsAsChannels, dyAsFilter, filterGradientPadding(info),
      [info.dilationHeight, info.dilationWidth], [info.strideHeight, info.strideWidth]);
    const byBatch = op("Reshape", { x: perPair }, { shape: [info.filterHeight, info.filterWidth, batch, channels * multiplier] });
    const summed = op("Sum", { x: byBatch }, { axis: [2], keepDims: false });
    return op("Reshape", { x: summed }, { shape: filterShape });
  });
}

// An input gradient is dy spread out by the strides (zeros between), convolved with the
// filter flipped in space: `kernelName` is Conv2D or DepthwiseConv2dNative, `flipped` the
// filter already flipped and laid out for it.
function inputGradient(op, kernelName, dy, flipped, info) {
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [batch, outHeight, outWidth, depth] = dy.shape;
  let spread = dy;
  if (sh > 1 || sw > 1) {
    const apart = op("Reshape", { x: dy }, { shape: [batch, outHeight, 1, outWidth, 1, depth] });
    const zeros = op("PadV2", { x: apart }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
    spread = op("Reshape", { x: zeros }, { shape: [batch, outHeight * sh, outWidth * sw, depth] });
  }
  const padding = [
    [info.inHeight, info.filterHeight, info.dilationHeight, info.padInfo.top, spread.shape[1]],
    [info.inWidth, info.filterWidth, info.dilationWidth, info.padInfo.left, spread.shape[2]],
  ].map(([size, taps, step, before, spreadSize]) => {
    const flippedBefore = (taps - 1) * step - before;
    return [flippedBefore, size + (taps - 1) * step - flippedBefore - spreadSize];
  });
  return paddedConvolution(op, kernelName, spread, flipped, padding, [1, 1], [info.dilationHeight, info.dilationWidth]);
}

// tfjs-backend-wasm has Conv2DBackpropInput, but as a plain loop: on 128 MNIST-sized 13x13x32
// images into 64 channels it took 325 ms where this takes ~35 ms (docs/decisions.md).
function conv2DBackpropInput(tf) {
  return ({ inputs, backend, attrs }) => compose(tf, backend, (op) => {
    const { filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, format);
    const channelsFirst = format === "channelsFirst";
    const dy = channelsFirst ? op("Transpose", { x: inputs.dy }, { perm: [0, 2, 3, 1] }) : inputs.dy;
    const reversed = op("Reverse", { x: filter }, { dims: [0, 1] });
    const flipped = op("Transpose", { x: reversed }, { perm: [0, 1, 3, 2] });
    const dx = inputGradient(op, "Conv2D", dy, flipped, info);
    return channelsFirst ? op("Transpose", { x: dx }, { perm: [0, 3, 1, 2] }) : dx;
  });
}

// Depthwise, each (channel, multiplier) pair is a channel of its own, summed afterwards.
function depthwiseConv2dNativeBackpropInput(tf) {
  return ({ inputs, backend, attrs }) => compose(tf, backend, (op) => {
    const { dy, filter } = inputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
    const [batch, height, width, channels] = inputShape;
    const [filterHeight, filterWidth, , multiplier] = filter.shape;
    const reversed = op("Reverse", { x: filter }, { dims: [0, 1] });
    const flipped = op("Reshape", { x: reversed }, { shape: [filterHeight, filterWidth, channels * multiplier, 1] });
    const dx = inputGradient(op, "DepthwiseConv2dNative", dy, flipped, info);
    if (multiplier === 1) return dx;
    const pairs = op("Reshape", { x: dx }, { shape: [batch, height, width, channels, multiplier] });
    return op("Sum", { x: pairs }, { axis: [4], keepDims: false });
  });
}

// ScatterNd adds the rows that share an index. Ids outside [0, numSegments) are dropped,
// as TensorFlow does: their rows are zeroed and sent to segment 0.
function unsortedSegmentSum(tf) {
  return ({ inputs, backend, attrs }) => compose(tf, backend, (op) => {
    const { x, segmentIds } = inputs;
    const { numSegments } = attrs;
    const ids = backend.readSync(segmentIds.dataId);
    const valid = (id) => id >= 0 && id < numSegments;
    let indices = segmentIds;
    let updates = x;
    if (!ids.every(valid)) {
      const write = (values, shape, dtype) => ({ dataId: backend.write(values, shape, dtype), shape, dtype });
      indices = write(Int32Array.from(ids, (id) => (valid(id) ? id : 0)), segmentIds.shape, "int32");
      const maskShape = [...segmentIds.shape, ...x.shape.slice(segmentIds.shape.length).map(() => 1)];
      const MaskArray = x.dtype === "int32" ? Int32Array : Float32Array;
      const mask = write(MaskArray.from(ids, (id) => (valid(id) ? 1 : 0)), maskShape, x.dtype);
      updates = op("Multiply", { a: x, b: mask });
      backend.disposeData(mask.dataId);
    }
    const asIndices = op("Reshape", { x: indices }, { shape: [...segmentIds.shape, 1] });
    if (indices !== segmentIds) backend.disposeData(indices.dataId);
    const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
    return op("ScatterNd", { indices: asIndices, updates }, { shape });
  });
}

// BatchMatMul and _FusedMatMul with a transposed operand. The backend runs those as a plain
// loop; untransposed, XNNPACK. Dense's gradients are both kinds (dx = dy·Wᵀ, dW = xᵀ·dy), so
// the operand is transposed first (measured in Node, 128x784 by 784x512: 8 ms untransposed,
// 48 ms with B transposed, 88 ms with A transposed, 9 ms for Transpose then XNNPACK).
// The backend's _FusedMatMul with a transposed operand is also wrong: off by up to 0.45 of
// the largest value, against its own BatchMatMul then Relu (tfjs-backend-wasm 4.22).
function untransposedMatMul(tf, kernelName) {
  const current = tf.getKernel(kernelName, "wasm").kernelFunc;
  const backendKernel = current.backendKernel || current;  // registered twice: still the backend's
  const kernelFunc = ({ inputs, backend, attrs }) => {
    if (!attrs.transposeA && !attrs.transposeB) return backendKernel({ inputs, backend, attrs });
    return compose(tf, backend, (op) => {
      const lastTwoSwapped = (x) => {
        const perm = x.shape.map((_, axis) => axis);
        perm.splice(-2, 2, perm.length - 1, perm.length - 2);
        return op("Transpose", { x }, { perm });
      };
      const a = attrs.transposeA ? lastTwoSwapped(inputs.a) : inputs.a;
      const b = attrs.transposeB ? lastTwoSwapped(inputs.b) : inputs.b;
      return backendKernel({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    });
  };
  kernelFunc.backendKernel = backendKernel;
  return kernelFunc;
}

const GRADIENTS = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
  UnsortedSegmentSum: unsortedSegmentSum,
  BatchMatMul: (tf) => untransposedMatMul(tf, "BatchMatMul"),
  _FusedMatMul: (tf) => untransposedMatMul(tf, "_FusedMatMul"),
};

// {kernelName: kernelFunc} for the WASM backend of `tf`.
export function wasmGradientKernels(tf) {
  return Object.fromEntries(Object.entries(GRADIENTS).map(([name, make]) => [name, make(tf)]));
}
