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
// are TF.js's. The formulas are Keras 3's (keras/src/optimizers/), which differ from TF.js's
// where said.

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

// Keras 3's RMSprop step (keras/src/optimizers/rmsprop.py) on flat float32 arrays, in place:
// ms = rho ms + (1 - rho) g^2; centered: mg = rho mg + (1 - rho) g, denominator ms - mg^2 + epsilon,
// else ms + epsilon; moment = momentum * moment + rate * g / sqrt(denominator); variable -= moment.
// `meanGrad` is null unless centered. TF.js's centered step subtracts epsilon instead of adding it
// (sqrt(ms - (mg^2 + epsilon))). With momentum 0, Keras keeps no moment and subtracts the
// increment itself: the moment array then holds that increment, as TF.js's state does.
function rmspropUpdate(variable, gradient, meanSquare, moment, meanGrad, rate, rho, momentum, epsilon) {
  const share = 1 - rho;  // the new gradient's share in the averages
  for (let i = 0; i < variable.length; i++) {
    const g = gradient[i];
    const ms = Math.fround(rho * meanSquare[i] + share * g * g);
    meanSquare[i] = ms;
    let denominator = ms + epsilon;
    if (meanGrad !== null) {
      const mg = Math.fround(rho * meanGrad[i] + share * g);
      meanGrad[i] = mg;
      denominator = ms - mg * mg + epsilon;
    }
    const step = Math.fround(momentum * moment[i] + (rate * g) / Math.sqrt(denominator));
    moment[i] = step;
    variable[i] -= step;
  }
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

// Calls `update(i, name, variable, gradient)` for each variable, if TF.js runs on WASM and every
// variable and gradient is a float32 tensor on its heap; returns whether it did.
function updateEachInPlace(variableGradients, update) {
  const backend = tf.backend();
  const named = namedGradients(variableGradients);
  const variables = tf.engine().registeredVariables;
  const fusable = tf.getBackend() === WASM && named.every(({ name, tensor }) =>
    tensor == null || (onHeap(backend, tensor) && onHeap(backend, variables[name])));
  if (!fusable) return false;
  named.forEach(({ name, tensor }, i) => update(i, name, variables[name], tensor));
  return true;
}

// Runs `write(writtenViews, readViews)` over heap views of the tensors, after giving each written
// one data of its own, and drops what the backend cached from their old values.
function writeInPlace(written, read, write) {
  const backend = tf.backend();
  for (const tensor of written) ownData(backend, tensor);
  // Views made after any allocation above: a growing heap detaches older views.
  const heap = (x) => backend.typedArrayFromHeap(x);
  write(written.map(heap), read.map(heap));
  for (const tensor of written) forgetPacked(backend, tensor);
}

// A state variable (zeros, not trainable) as TF.js's optimizers make them.
function slot(name, value, suffix) {
  return { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
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
    const t = this.iterations + 1;
    const alpha = adamAlpha(this.learningRate, this.beta1, this.beta2, t);
    const fused = updateEachInPlace(variableGradients, (i, name, value, gradient) => {
      const [m, v] = this.moments(i, name, value);
      if (gradient == null) return;
      writeInPlace([value, m, v], [gradient], ([x, mh, vh], [g]) =>
        adamUpdate(x, g, mh, vh, alpha, this.beta1, this.beta2, this.epsilon));
    });
    if (!fused) {
      super.applyGradients(variableGradients);
      return;
    }
    // TF.js's own update (on another backend, or after setWeights) reads beta^t from these.
    for (const [power, beta] of [[this.accBeta1, this.beta1], [this.accBeta2, this.beta2]]) {
      writeInPlace([power], [], ([p]) => { p[0] = beta ** (t + 1); });
    }
    this.incrementIterations();
    this.fusedSteps += 1;
  }

  // The i-th variable's first and second moments, made (zeros) as TF.js's Adam makes them.
  moments(i, name, value) {
    if (this.accumulatedFirstMoment[i] == null) this.accumulatedFirstMoment[i] = slot(name, value, "m");
    if (this.accumulatedSecondMoment[i] == null) this.accumulatedSecondMoment[i] = slot(name, value, "v");
    return [this.accumulatedFirstMoment[i].variable, this.accumulatedSecondMoment[i].variable];
  }
}

class FusedRMSprop extends tf.RMSPropOptimizer {
  static get className() {
    return "RMSProp"; // as TF.js names its RMSprop, for serialization
  }

  constructor(...args) {
    super(...args);
    this.fusedSteps = 0; // steps taken by the fused update, for tests
  }

  applyGradients(variableGradients) {
    const fused = updateEachInPlace(variableGradients, (i, name, value, gradient) => {
      const [meanSquare, moment, meanGrad] = this.slots(i, name, value);
      if (gradient == null) return;
      const written = meanGrad ? [value, meanSquare, moment, meanGrad] : [value, meanSquare, moment];
      writeInPlace(written, [gradient], ([x, ms, mo, mg = null], [g]) =>
        rmspropUpdate(x, g, ms, mo, mg, this.learningRate, this.decay, this.momentum, this.epsilon));
    });
    if (!fused) {
      super.applyGradients(variableGradients);
      return;
    }
    this.incrementIterations();
    this.fusedSteps += 1;
  }

  // The i-th variable's mean square, moment and (centered) mean gradient, as TF.js's RMSprop makes them.
  slots(i, name, value) {
    if (this.accumulatedMeanSquares[i] == null) this.accumulatedMeanSquares[i] = slot(name, value, "rms");
    if (this.accumulatedMoments[i] == null) this.accumulatedMoments[i] = slot(name, value, "momentum");
    if (this.centered && this.accumulatedMeanGrads[i] == null) this.accumulatedMeanGrads[i] = slot(name, value, "mg");
    return [this.accumulatedMeanSquares[i].variable, this.accumulatedMoments[i].variable,
            this.centered ? this.accumulatedMeanGrads[i].variable : null];
  }
}

const FUSED = { adam: FusedAdam, rmsprop: FusedRMSprop };

// The optimizer for `tf.train[name](...args)`: fused where one is written, TF.js's otherwise.
function makeOptimizer(name, ...args) {
  return name in FUSED ? new FUSED[name](...args) : tf.train[name](...args);
}

return { makeOptimizer, adamUpdate, adamAlpha, rmspropUpdate };
