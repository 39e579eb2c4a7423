// Gradient kernels that tfjs-backend-wasm 4.22 lacks, composed of its own kernels, so
// training stays in the WASM heap: Conv2DBackpropFilter (Conv1D, Conv2D, SeparableConv2D,
// Conv2DTranspose), the depthwise-convolution gradients (DepthwiseConv2D,
// SeparableConv2D) and UnsortedSegmentSum (the gradient of gather: Embedding).
//
// A filter gradient, dW[kh, kw] = sum over b, i, j of x[b, i*sh + kh*dh - top, ...] *
// dy[b, i, j], is itself a convolution: of x with batch and channels swapped, by dy as
// the filter, with stride and dilation swapped. So XNNPACK's convolution computes it
// (docs/decisions.md has the measurement that chose this over im2col and BatchMatMul).

// Calls WASM kernels by name and disposes of every intermediate but the result.
function composer(tf, backend) {
  const made = [];
  const op = (kernelName, inputs, attrs = {}) => {
    const out = tf.getKernel(kernelName, "wasm").kernelFunc({ inputs, backend, attrs });
    made.push(out);
    return out;
  };
  const done = (result) => {
    for (const info of made) if (info !== result) backend.disposeData(info.dataId);
    return result;
  };
  return { op, done };
}

// The padding before and after one spatial axis of a convolution that reads `taps` taps
// `tapStep` apart, `outputs` times `outputStep` apart, from `size` inputs padded by
// `before`; a negative `after` says how many trailing inputs it never reads.
function spanPadding(size, before, taps, tapStep, outputs, outputStep) {
  return [before, (taps - 1) * tapStep + (outputs - 1) * outputStep + 1 - before - size];
}

// A convolution (`kernelName` Conv2D or DepthwiseConv2dNative, NHWC) with explicit
// padding [[top, bottom], [left, right]]; negative padding crops the input instead.
function paddedConvolution(op, kernelName, x, filter, padding, strides, dilations) {
  const crop = padding.map(([before, after], axis) => [Math.max(0, -before), Math.max(0, -after), x.shape[axis + 1]]);
  let input = x;
  if (crop.some(([start, end]) => start || end)) {
    const begin = [0, crop[0][0], crop[1][0], 0];
    const size = [x.shape[0], crop[0][2] - crop[0][0] - crop[0][1], crop[1][2] - crop[1][0] - crop[1][1], x.shape[3]];
    input = op("Slice", { x }, { begin, size });
  }
  const pad = [[0, 0], ...padding.map(([before, after]) => [Math.max(0, before), Math.max(0, after)]), [0, 0]];
  return op(kernelName, { x: input, filter }, { strides, dilations, pad, dataFormat: "NHWC", dimRoundingMode: undefined });
}

// The filter's padding along height and width, for a filter gradient (see the top).
function filterGradientPadding(info) {
  return [
    spanPadding(info.inHeight, info.padInfo.top, info.filterHeight, info.dilationHeight, info.outHeight, info.strideHeight),
    spanPadding(info.inWidth, info.padInfo.left, info.filterWidth, info.dilationWidth, info.outWidth, info.strideWidth),
  ];
}

function conv2DBackpropFilter(tf) {
  return ({ inputs, backend, attrs }) => {
    const { op, done } = composer(tf, backend);
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
    return done(op("Transpose", { x: gradient }, { perm: [1, 2, 0, 3] }));
  };
}

// The depthwise filter gradient is a depthwise convolution over batch x channels (each
// pair its own group), summed over the batch afterwards.
function depthwiseConv2dNativeBackpropFilter(tf) {
  return ({ inputs, backend, attrs }) => {
    const { op, done } = composer(tf, backend);
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
    return done(op("Reshape", { x: summed }, { shape: filterShape }));
  };
}

// dx is dy spread out by the strides (zeros between), convolved depthwise with the
// filter flipped in space, one channel per (channel, multiplier) pair summed afterwards.
function depthwiseConv2dNativeBackpropInput(tf) {
  return ({ inputs, backend, attrs }) => {
    const { op, done } = composer(tf, backend);
    const { dy, filter } = inputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
    const [batch, height, width, channels] = inputShape;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [filterHeight, filterWidth, , multiplier] = filter.shape;
    let spread = dy;
    if (sh > 1 || sw > 1) {
      const [, outHeight, outWidth, depth] = dy.shape;
      const apart = op("Reshape", { x: dy }, { shape: [batch, outHeight, 1, outWidth, 1, depth] });
      const zeros = op("PadV2", { x: apart }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
      spread = op("Reshape", { x: zeros }, { shape: [batch, outHeight * sh, outWidth * sw, depth] });
    }
    const flipped = op("Reverse", { x: filter }, { dims: [0, 1] });
    const perChannel = op("Reshape", { x: flipped }, { shape: [filterHeight, filterWidth, channels * multiplier, 1] });
    const padding = [
      [(filterHeight - 1) * info.dilationHeight - info.padInfo.top, height, spread.shape[1], filterHeight, info.dilationHeight],
      [(filterWidth - 1) * info.dilationWidth - info.padInfo.left, width, spread.shape[2], filterWidth, info.dilationWidth],
    ].map(([before, size, spreadSize, taps, step]) => [before, size + (taps - 1) * step - before - spreadSize]);
    const dx = paddedConvolution(op, "DepthwiseConv2dNative", spread, perChannel, padding, [1, 1], [info.dilationHeight, info.dilationWidth]);
    if (multiplier === 1) return done(dx);
    const pairs = op("Reshape", { x: dx }, { shape: [batch, height, width, channels, multiplier] });
    return done(op("Sum", { x: pairs }, { axis: [4], keepDims: false }));
  };
}

// ScatterNd adds the rows that share an index. Ids outside [0, numSegments) are dropped,
// as TensorFlow does: their rows are zeroed and sent to segment 0.
function unsortedSegmentSum(tf) {
  return ({ inputs, backend, attrs }) => {
    const { op, done } = composer(tf, backend);
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
    return done(op("ScatterNd", { indices: asIndices, updates }, { shape }));
  };
}

const GRADIENTS = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
  UnsortedSegmentSum: unsortedSegmentSum,
};

// {kernelName: kernelFunc} for the WASM backend of `tf`.
export function wasmGradientKernels(tf) {
  return Object.fromEntries(Object.entries(GRADIENTS).map(([name, make]) => [name, make(tf)]));
}
