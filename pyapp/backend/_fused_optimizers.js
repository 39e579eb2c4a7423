// Optimizers whose update on TF.js's WASM backend is one pass per variable over the WASM
// heap, in place, instead of TF.js's ten or so small kernels per variable (each one a
// dispatch, a tidy entry and a fresh tensor): docs/decisions.md has the profile that chose
// this. Written by hand because no maintained library fuses TF.js's optimizer updates.
//
// The variable, its moments and the gradient are float32 arrays on the WASM heap
// (`backend.typedArrayFromHeap`); WASM kernels run synchronously on this thread, so no kernel
// runs while the loop writes, with or without the backend's threads. A variable whose data is
// shared with another tensor (after `assign`, for example) gets its own copy first, so no
// other tensor changes; and what the backend cached from the old values is dropped. On other
// backends, and for tensors not on the WASM heap, TF.js's own update runs; the state (moments,
// iterations, accBeta) is kept as TF.js keeps it, so `getWeights`, `setWeights` and `dispose`
// are TF.js's.

const WASM = "wasm";

// Keras 3's Adam step (keras/src/optimizers/adam.py, amsgrad off) on flat float32 arrays,
// in place: m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
// variable -= m * alpha / (sqrt(v) + epsilon), alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t).
// Keras adds epsilon to sqrt(v), TF.js to the bias-corrected sqrt(v / (1 - beta2^t)).
// The new moments are kept in locals, rounded to float32 as the arrays store them (the same
// results as reading them back), which made the loop about 17% faster in Chromium
// (670,000 parameters: 2.5 ms against 3.0; docs/decisions.md).
function adamUpdate(variable, gradient, m, v, alpha, beta1, beta2, epsilon) {
  const share1 = 1 - beta1, share2 = 1 - beta2;  // the new gradient's share in m and v
  for (let i = 0; i < variable.length; i++) {
    const g = gradient[i];
    const mi = Math.fround(m[i] + (g - m[i]) * share1);
    const vi = Math.fround(v[i] + (g * g - v[i]) * share2);
    m[i] = mi;
    v[i] = vi;
    variable[i] -= (mi * alpha) / (Math.sqrt(vi) + epsilon);
  }
}

// The step's alpha, as Keras computes it from the step number t (iterations + 1). Keras raises
// the float32 value of each beta (0.999 is 0.99900001, 1e-5 off in 1 - beta2 at the first step).
function adamAlpha(learningRate, beta1, beta2, t) {
  return (learningRate * Math.sqrt(1 - Math.fround(beta2) ** t)) / (1 - Math.fround(beta1) ** t);
}

function onHeap(backend, tensor) {
  return tensor.dtype === "float32" && backend.dataIdMap.has(tensor.dataId);
}

// Gives `variable` data of its own if another tensor shares it, so writing it in place
// changes no other tensor.
function ownData(backend, variable) {
  if (backend.refCount(variable.dataId) <= 1) return;
  const copy = tf.tensor(backend.readSync(variable.dataId), variable.shape, variable.dtype);
  variable.assign(copy);
  copy.dispose();
}

// XNNPACK packs a matmul's or convolution's weights and bias into an operator that the
// backend caches by their tensor ids (tfjs-backend-wasm's batch_mat_mul_impl.cc, conv2d_impl.cc),
// so a tensor written in place must drop those operators, or the next step computes with the
// old values. The backend's disposal of an id drops them; the id is then registered again for
// the same memory.
function forgetPacked(backend, tensor) {
  const { id, memoryOffset } = backend.dataIdMap.get(tensor.dataId);
  backend.wasm.tfjs.disposeData(id);
  backend.wasm.tfjs.registerTensor(id, tensor.size, memoryOffset);
}

function namedGradients(variableGradients) {
  return Array.isArray(variableGradients)
    ? variableGradients
    : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
}

class FusedAdam extends tf.AdamOptimizer {
  static get className() {
    return "Adam"; // as TF.js names its Adam, for serialization
  }

  constructor(...args) {
    super(...args);
    this.fusedSteps = 0; // steps taken by the fused update, for tests
  }

  applyGradients(variableGradients) {
    const backend = tf.backend();
    const named = namedGradients(variableGradients);
    const variables = tf.engine().registeredVariables;
    const fusable = tf.getBackend() === WASM && named.every(({ name, tensor }) =>
      tensor == null || (onHeap(backend, tensor) && onHeap(backend, variables[name])));
    if (!fusable) {
      super.applyGradients(variableGradients);
      return;
    }
    const t = this.iterations + 1;
    const alpha = adamAlpha(this.learningRate, this.beta1, this.beta2, t);
    named.forEach(({ name, tensor }, i) => {
      const value = variables[name];
      const [m, v] = this.moments(i, name, value);
      if (tensor == null) return;
      for (const state of [value, m, v]) ownData(backend, state);
      // Views made after any allocation above: a growing heap detaches older views.
      const heap = (x) => backend.typedArrayFromHeap(x);
      adamUpdate(heap(value), heap(tensor), heap(m), heap(v), alpha, this.beta1, this.beta2, this.epsilon);
      for (const state of [value, m, v]) forgetPacked(backend, state);
    });
    // TF.js's own update (on another backend, or after setWeights) reads beta^t from these.
    for (const [power, beta] of [[this.accBeta1, this.beta1], [this.accBeta2, this.beta2]]) {
      ownData(backend, power);
      backend.typedArrayFromHeap(power)[0] = beta ** (t + 1);
      forgetPacked(backend, power);
    }
    this.incrementIterations();
    this.fusedSteps += 1;
  }

  // The i-th variable's first and second moments, made (zeros) as TF.js's Adam makes them.
  moments(i, name, value) {
    const made = (suffix) => ({
      originalName: `${name}/${suffix}`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    });
    if (this.accumulatedFirstMoment[i] == null) this.accumulatedFirstMoment[i] = made("m");
    if (this.accumulatedSecondMoment[i] == null) this.accumulatedSecondMoment[i] = made("v");
    return [this.accumulatedFirstMoment[i].variable, this.accumulatedSecondMoment[i].variable];
  }
}

const FUSED = { adam: FusedAdam };

// The optimizer for `tf.train[name](...args)`: fused where one is written, TF.js's otherwise.
function makeOptimizer(name, ...args) {
  return name in FUSED ? new FUSED[name](...args) : tf.train[name](...args);
}

return { makeOptimizer, adamUpdate, adamAlpha };
