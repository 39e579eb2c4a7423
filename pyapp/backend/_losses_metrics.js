// Keras 3's losses and metrics as TF.js functions, keyed by Keras' function names, and the
// compile, fit's epoch and evaluate that use them. pyapp/losses.py and pyapp/metrics.py hold
// the names, arguments and defaults; this file holds only the arithmetic, written after
// Keras 3's own (keras/src/losses/losses.py, keras/src/metrics/), so that the page's numbers
// are Keras'. Python evaluates it once per session: new Function("tf", source)(tf).
//
// Everything stays in TF.js: fit's batch loop (fitEpoch) calls these functions, never Python
// (unless the batches come from Python: a generator or a PyDataset).

const EPSILON = 1e-7; // keras.backend.epsilon()

const lastAxisMean = (x) => tf.mean(x, -1);

function l2Normalize(x, axis) {
  return tf.mul(x, tf.minimum(tf.rsqrt(tf.sum(tf.square(x), axis, true)), 1 / EPSILON));
}

// log(max(x, epsilon) + 1), as Keras' mean_squared_logarithmic_error takes it.
const logOnePlus = (x) => tf.log(tf.add(tf.maximum(x, EPSILON), 1));

function hingeLabels(yTrue) {
  // Keras turns labels that are all 0 or 1 into -1 or 1, batch by batch.
  const binary = tf.all(tf.logicalOr(tf.equal(yTrue, 0), tf.equal(yTrue, 1)));
  return tf.where(tf.broadcastTo(binary, yTrue.shape), tf.sub(tf.mul(yTrue, 2), 1), yTrue);
}

function logProbabilities(yPred, fromLogits, axis) {
  if (fromLogits) return tf.logSoftmax(yPred, axis);
  const scaled = tf.div(yPred, tf.sum(yPred, axis, true));
  return tf.log(tf.clipByValue(scaled, EPSILON, 1 - EPSILON));
}

function sparseTargets(yTrue, yPred) {
  // Integer labels of shape yPred.shape[:-1] (or with a last axis of 1), as int32.
  return tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, -1)), "int32");
}

// Per-sample values (or per-element, reduced by the caller), as Keras' functions give them.
const FUNCTIONS = {
  mean_squared_error: (t, p) => lastAxisMean(tf.square(tf.sub(t, p))),
  mean_absolute_error: (t, p) => lastAxisMean(tf.abs(tf.sub(t, p))),
  mean_absolute_percentage_error: (t, p) =>
    tf.mul(100, lastAxisMean(tf.abs(tf.div(tf.sub(t, p), tf.maximum(tf.abs(t), EPSILON))))),
  mean_squared_logarithmic_error: (t, p) =>
    lastAxisMean(tf.square(tf.sub(logOnePlus(p), logOnePlus(t)))),
  cosine_similarity_loss: (t, p, { axis }) => tf.neg(tf.sum(tf.mul(l2Normalize(t, axis), l2Normalize(p, axis)), axis)),
  cosine_similarity: (t, p, { axis }) => tf.sum(tf.mul(l2Normalize(t, axis), l2Normalize(p, axis)), axis),
  huber: (t, p, { delta }) => {
    // Keras' where(|e| <= delta, e^2 / 2, delta * |e| - delta^2 / 2), written without a
    // comparison, which would stop TF.js's gradient.
    const absolute = tf.abs(tf.sub(p, t));
    const quadratic = tf.minimum(absolute, delta);
    return lastAxisMean(tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(delta, tf.sub(absolute, quadratic))));
  },
  log_cosh: (t, p) => {
    const x = tf.sub(p, t);
    return lastAxisMean(tf.sub(tf.add(x, tf.softplus(tf.mul(x, -2))), Math.log(2)));
  },
  kl_divergence: (t, p) => {
    const clippedTrue = tf.clipByValue(t, EPSILON, 1);
    return tf.sum(tf.mul(clippedTrue, tf.log(tf.div(clippedTrue, tf.clipByValue(p, EPSILON, 1)))), -1);
  },
  poisson: (t, p) => lastAxisMean(tf.sub(p, tf.mul(t, tf.log(tf.add(p, EPSILON))))),
  hinge: (t, p) => lastAxisMean(tf.relu(tf.sub(1, tf.mul(hingeLabels(t), p)))),
  squared_hinge: (t, p) => lastAxisMean(tf.square(tf.relu(tf.sub(1, tf.mul(hingeLabels(t), p))))),
  categorical_hinge: (t, p) => {
    const positive = tf.sum(tf.mul(t, p), -1);
    const negative = tf.max(tf.mul(tf.sub(1, t), p), -1);
    return tf.relu(tf.add(tf.sub(negative, positive), 1));
  },
  // (pyapp.losses refuses an axis other than the last for the crossentropies.)
  binary_crossentropy: (t, p, { from_logits, label_smoothing = 0 }) => {
    const target = label_smoothing ? tf.add(tf.mul(t, 1 - label_smoothing), 0.5 * label_smoothing) : t;
    let perElement;
    if (from_logits) {
      perElement = tf.add(tf.mul(target, tf.logSigmoid(p)), tf.mul(tf.sub(1, target), tf.logSigmoid(tf.neg(p))));
    } else {
      const clipped = tf.clipByValue(p, EPSILON, 1 - EPSILON);
      perElement = tf.add(tf.mul(target, tf.log(clipped)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, clipped))));
    }
    return tf.neg(lastAxisMean(perElement));
  },
  categorical_crossentropy: (t, p, { from_logits, label_smoothing = 0 }) => {
    const classes = p.shape[p.shape.length - 1];
    const target = label_smoothing ? tf.add(tf.mul(t, 1 - label_smoothing), label_smoothing / classes) : t;
    return tf.neg(tf.sum(tf.mul(target, logProbabilities(p, from_logits, -1)), -1));
  },
  sparse_categorical_crossentropy: (t, p, { from_logits }) => {
    const oneHot = tf.oneHot(sparseTargets(t, p), p.shape[p.shape.length - 1]);
    return tf.neg(tf.sum(tf.mul(oneHot, logProbabilities(p, from_logits, -1)), -1));
  },
  accuracy: (t, p) => tf.cast(tf.equal(t, p), "float32"),
  binary_accuracy: (t, p, { threshold }) =>
    tf.cast(tf.equal(t, tf.cast(tf.greater(p, threshold), "float32")), "float32"),
  categorical_accuracy: (t, p) => tf.cast(tf.equal(tf.argMax(t, -1), tf.argMax(p, -1)), "float32"),
  sparse_categorical_accuracy: (t, p) => tf.cast(tf.equal(sparseTargets(t, p), tf.argMax(p, -1)), "float32"),
  top_k_categorical_accuracy: (t, p, { k }) => inTopK(tf.argMax(t, -1), p, k),
  sparse_top_k_categorical_accuracy: (t, p, { k }) => inTopK(sparseTargets(t, p), p, k),
  // "accuracy"/"acc" as a string: Keras picks the kind from the shapes of y_true and y_pred.
  accuracy_by_shape: (t, p) => {
    const last = (x) => x.shape[x.shape.length - 1];
    if (last(p) === 1) return FUNCTIONS.binary_accuracy(t, p, { threshold: 0.5 });
    if (t.rank < p.rank || (last(t) === 1 && last(p) > 1)) return FUNCTIONS.sparse_categorical_accuracy(t, p);
    return FUNCTIONS.categorical_accuracy(t, p);
  },
};

function inTopK(labels, p, k) {
  // Keras' in_top_k: the label's score is beaten by fewer than k scores.
  const atLabel = tf.sum(tf.mul(tf.oneHot(labels, p.shape[p.shape.length - 1]), p), -1, true);
  return tf.cast(tf.less(tf.sum(tf.cast(tf.greater(p, atLabel), "float32"), -1), k), "float32");
}

// ---------------------------------------------------------------- metric state

function zeros(shape) {
  const initial = tf.zeros(shape);
  const variable = tf.variable(initial, false);
  initial.dispose();
  return variable;
}

function addTo(variable, value) {
  variable.assign(tf.add(variable, value));
}

// A metric's state: add(yTrue, yPred) takes in a batch, result() is the value so far.

// A stateless function's mean over every sample seen since the last reset (Keras' Mean).
function meanState(fn, args) {
  const total = zeros([]);
  const count = zeros([]);
  return {
    variables: [total, count],
    add(t, p) {
      const values = fn(t, p, args);
      addTo(total, tf.sum(values));
      addTo(count, values.size);
    },
    result: () => tf.divNoNan(total, count),
  };
}

function rootMeanSquaredError() {
  const total = zeros([]);
  const count = zeros([]);
  return {
    variables: [total, count],
    add(t, p) {
      const squared = tf.square(tf.sub(p, t));
      addTo(total, tf.sum(squared));
      addTo(count, squared.size);
    },
    result: () => tf.sqrt(tf.divNoNan(total, count)),
  };
}

// Keras' confusion-matrix variables: a prediction above a threshold counts as positive,
// a label that is not 0 as positive.
function confusionState(thresholds, prepare) {
  const size = [thresholds.length];
  const counts = { tp: zeros(size), fp: zeros(size), tn: zeros(size), fn: zeros(size) };
  const limits = tf.tensor(thresholds, [thresholds.length, 1]);
  return {
    counts,
    variables: [...Object.values(counts), limits],
    add(t, p) {
      [t, p] = prepare(t, p);
      const predicted = tf.greater(tf.reshape(p, [1, -1]), limits);
      const positive = tf.notEqual(tf.reshape(t, [1, -1]), 0);
      const count = (a, b) => tf.sum(tf.cast(tf.logicalAnd(a, b), "float32"), 1);
      addTo(counts.tp, count(predicted, positive));
      addTo(counts.fp, count(predicted, tf.logicalNot(positive)));
      addTo(counts.tn, count(tf.logicalNot(predicted), tf.logicalNot(positive)));
      addTo(counts.fn, count(tf.logicalNot(predicted), positive));
    },
  };
}

function classColumn(classId) {
  return (t, p) => (classId == null ? [t, p] : [t.slice([0, classId], [-1, 1]), p.slice([0, classId], [-1, 1])]);
}

function precisionOrRecall(kind, { thresholds, class_id }) {
  const state = confusionState([thresholds], classColumn(class_id));
  const { tp, fp, fn } = state.counts;
  const result = () => tf.reshape(tf.divNoNan(tp, tf.add(tp, kind === "precision" ? fp : fn)), []);
  return { variables: state.variables, add: state.add, result };
}

function auc({ thresholds, curve, summation_method, from_logits }) {
  const state = confusionState(thresholds, (t, p) => [t, from_logits ? tf.sigmoid(p) : p]);
  const { tp, fp, tn, fn } = state.counts;
  const n = thresholds.length;
  const head = (x) => x.slice(0, n - 1);
  const tail = (x) => x.slice(1, n - 1);
  const result = () => {
    if (curve === "PR" && summation_method === "interpolation") return interpolatedPrAuc(tp, fp, fn, head, tail);
    const recall = tf.divNoNan(tp, tf.add(tp, fn));
    const [x, y] = curve === "ROC"
      ? [tf.divNoNan(fp, tf.add(fp, tn)), recall]
      : [recall, tf.divNoNan(tp, tf.add(tp, fp))];
    const heights = {
      interpolation: () => tf.div(tf.add(head(y), tail(y)), 2),
      minoring: () => tf.minimum(head(y), tail(y)),
      majoring: () => tf.maximum(head(y), tail(y)),
    }[summation_method]();
    return tf.sum(tf.mul(tf.sub(head(x), tail(x)), heights));
  };
  return { variables: state.variables, add: state.add, result };
}

function interpolatedPrAuc(tp, fp, fn, head, tail) {
  // Keras' AUC.interpolate_pr_auc (Davis & Goadrich 2006).
  const dtp = tf.sub(head(tp), tail(tp));
  const p = tf.add(tp, fp);
  const dp = tf.sub(head(p), tail(p));
  const slope = tf.divNoNan(dtp, tf.relu(dp));
  const intercept = tf.sub(tail(tp), tf.mul(slope, tail(p)));
  const ratio = tf.where(tf.logicalAnd(tf.greater(head(p), 0), tf.greater(tail(p), 0)),
    tf.divNoNan(head(p), tf.relu(tail(p))), tf.onesLike(tail(p)));
  const increments = tf.divNoNan(tf.mul(slope, tf.add(dtp, tf.mul(intercept, tf.log(ratio)))),
    tf.relu(tf.add(tail(tp), tail(fn))));
  return tf.sum(increments);
}

const STATEFUL = {
  root_mean_squared_error: rootMeanSquaredError,
  precision: (args) => precisionOrRecall("precision", args),
  recall: (args) => precisionOrRecall("recall", args),
  auc,
};

// A state's update (fit logs the value after each batch), reset and dispose.
function withLifetime(state) {
  state.update = (t, p) => (state.add(t, p), state.result());
  const resettable = state.variables.filter((v) => v instanceof tf.Variable);
  state.reset = () => tf.tidy(() => resettable.forEach((v) => v.assign(tf.zerosLike(v))));
  state.dispose = () => state.variables.forEach((v) => v.dispose());
  return state;
}

// A metric's state: {add, result, update(yTrue, yPred) -> value for TF.js's logs, reset(), dispose()}.
function makeState({ fn, args }) {
  return withLifetime(fn in STATEFUL ? STATEFUL[fn](args) : meanState(FUNCTIONS[fn], args));
}

function lossFunction({ fn, args }) {
  const compute = FUNCTIONS[fn];
  if (!compute) throw new Error(`no loss ${fn} in the page`);
  return (t, p) => compute(t, p, args);
}

// ---------------------------------------------------------------- compile and evaluate

// The LayersModel that trains: a tf.Sequential compiles and fits the one it wraps.
const layersModel = (model) => (model instanceof tf.Sequential ? model.model : model);

// spec: {outputs: [name], losses: [{fn, args}], weights: [number], metrics: [[{fn, args, name}]]}
function compile(model, optimizer, spec) {
  const several = spec.outputs.length > 1;
  const prefix = (i) => (several ? spec.outputs[i] + "_" : "");
  const losses = spec.losses.map(lossFunction);
  // (a weight of 1 costs no multiply, forward and backward, at every step)
  const tfjsLosses = losses.map((loss, i) =>
    (spec.weights[i] === 1 ? loss : (t, p) => tf.mul(loss(t, p), spec.weights[i])));
  const states = [];
  const metricFns = spec.outputs.map(() => []);
  const names = ["loss"]; // model.metricsNames' Keras names, in the order TF.js makes them
  const batchValued = [true]; // whether TF.js logs each of them as the batch's own value (stateful metrics' are running)
  const stateByName = {};
  if (several) spec.outputs.forEach(() => (names.push(null), batchValued.push(true))); // TF.js's own are weighted: replaced below
  spec.metrics.forEach((metrics, i) => {
    for (const metric of metrics) {
      // A mean of per-sample values needs no state: TF.js takes each batch's mean and its
      // BaseLogger the epoch's mean weighted by batch sizes, which is Keras' Mean over the
      // epoch, for the ops of TF.js's own metrics. The others keep their state in variables.
      const stateful = metric.fn in STATEFUL;
      const state = stateful ? makeState(metric) : null;
      const compute = FUNCTIONS[metric.fn];
      const update = stateful ? (t, p) => state.update(t, p) : (t, p) => compute(t, p, metric.args);
      Object.defineProperty(update, "name", { value: `pyapp_metric_${metricFns.flat().length}` });
      metricFns[i].push(update);
      names.push(prefix(i) + metric.name);
      batchValued.push(!stateful);
      if (stateful) {
        stateByName[prefix(i) + metric.name] = state;
        states.push(state);
      }
    }
    if (several) { // the output's loss unweighted, as Keras logs it
      const unweighted = (t, p) => losses[i](t, p);
      Object.defineProperty(unweighted, "name", { value: `pyapp_loss_${i}` });
      metricFns[i].push(unweighted);
      names.push(prefix(i) + "loss");
      batchValued.push(true);
    }
  });
  // (TF.js applies a list of metrics to every output: several outputs take a dict by TF.js's
  // output names, the layers', which spec.outputs, Keras' names, need not be.)
  const metrics = several ? Object.fromEntries(model.outputNames.map((name, i) => [name, metricFns[i]])) : metricFns[0];
  model.compile({ optimizer, loss: several ? tfjsLosses : tfjsLosses[0], metrics });
  const trained = layersModel(model);
  const tfjsNames = Array.from(model.metricsNames);
  const train = trained.makeTrainFunction(); // one step; it reads the weights to train at each call
  return {
    names: Object.fromEntries(tfjsNames.map((name, i) => [name, names[i]]).filter(([, keras]) => keras)),
    // TF.js's log keys whose Keras batch logs are running means of TF.js's batch values.
    batchMeans: tfjsNames.filter((name, i) => names[i] && batchValued[i]),
    fitEpoch: (next, hooks) => fitEpoch(trained, train, tfjsNames, names, stateByName, next, hooks),
    evaluate: (next, onBatchBegin, onBatchEnd) => evaluate(model, spec, losses, next, onBatchBegin, onBatchEnd),
    dispose: () => states.forEach((state) => state.dispose()),
  };
}

// The batches of the arrays xs and ys (tensors), as fitEpoch and evaluate take them: next(batch)
// gives [batch's xs, batch's ys], new tensors, or null after the last. They are gathered from
// `order` (an int32 tensor1d, the epoch's shuffle; null: in order, sliced), so that a shuffle
// costs no copy of the data set besides the batches fit gathers anyway.
function arrayBatches(xs, ys, order, batchSize) {
  const count = xs[0].shape[0];
  return (batch) => {
    const start = batch * batchSize;
    if (start >= count) return null;
    const size = Math.min(batchSize, count - start);
    return tf.tidy(() => {
      const ids = order && order.slice(start, size);
      const take = (t) => (ids ? tf.gather(t, ids) : t.slice(start, size));
      return [xs.map(take), ys.map(take)];
    });
  };
}

// One epoch of training, TF.js's fitLoop (tfjs-layers training.ts) without what costs there:
// the batches come from next(batch) (arrayBatches, or Python's generator or PyDataset, one
// batch a call), and no fit call is set up per epoch. The batch values are read in one go
// every READ_EVERY batches (or each batch, if hooks.onBatchEnd wants them), not added up in
// tensors. Returns the epoch's logs by Keras' names: the loss and mean metrics averaged as
// TF.js's BaseLogger does (weighted by batch size, which is Keras' Mean over the epoch's
// samples), a stateful metric's value from its state, over every sample (AUC, precision,
// recall and RMSE are not means of batch values). hooks.onBatchBegin(batch) and
// hooks.onBatchEnd(batch, logs by TF.js's names, with `size`) as TF.js's callbacks, and
// hooks.flush() after the last batch; model.stopTraining ends the epoch after a batch.
const READ_EVERY = 64; // batches: a few reads per epoch, and few tensors kept meanwhile
async function fitEpoch(trained, train, tfjsNames, names, stateByName, next, hooks) {
  Object.values(stateByName).forEach((state) => state.reset());
  const totals = tfjsNames.map(() => 0);
  let seen = 0;
  let unread = []; // [size, the step's scalars in tfjsNames' order] of each batch not read yet
  const read = () => {
    const values = tf.tidy(() => tf.stack(unread.flatMap(([, outs]) => outs)).dataSync());
    unread.forEach(([size, outs], b) => {
      seen += size;
      tfjsNames.forEach((_, i) => { totals[i] += values[b * tfjsNames.length + i] * size; });
      tf.dispose(outs);
    });
    unread = [];
    return values;
  };
  try {
    for (let batch = 0; !trained.stopTraining; batch += 1) {
      const data = next(batch);
      if (data == null) break;
      const [batchX, batchY] = data;
      const size = batchX[0].shape[0];
      try {
        if (hooks.onBatchBegin) hooks.onBatchBegin(batch);
        unread.push([size, tf.tidy(() => train([...batchX, ...batchY]))]);
      } finally {
        tf.dispose(data);
      }
      if (hooks.onBatchEnd) {
        const values = read();
        hooks.onBatchEnd(batch, Object.fromEntries([["batch", batch], ["size", size],
          ...tfjsNames.map((name, i) => [name, values[i]])]));
      } else if (unread.length === READ_EVERY) {
        read();
      }
    }
    if (unread.length) read();
    if (hooks.flush) hooks.flush();
    const logs = {};
    tfjsNames.forEach((name, i) => {
      if (names[i] && seen) logs[names[i]] = totals[i] / seen;
    });
    for (const [name, state] of Object.entries(stateByName)) logs[name] = tf.tidy(() => state.result().dataSync()[0]);
    return logs;
  } finally {
    unread.forEach(([, outs]) => tf.dispose(outs));
  }
}

// Keras' evaluate: the loss (weighted sum of the outputs' losses, plus the layers'
// regularization losses) and every metric, over the batches of next(batch) (arrayBatches',
// rowBatches', or Python's); returns
// {name: value}. onBatchBegin(batch) and onBatchEnd(batch, logs so far), if given, are
// called around each batch, as Keras calls its test batch hooks.
function evaluate(model, spec, losses, next, onBatchBegin, onBatchEnd) {
  const several = spec.outputs.length > 1;
  const prefix = (i) => (several ? spec.outputs[i] + "_" : "");
  const graph = layersModel(model);
  const outputNames = graph.outputs.map((output) => output.name);
  const lossTotal = zeros([]);
  let lossCount = 0;
  const entries = [];
  if (several) losses.forEach((loss, i) => entries.push([prefix(i) + "loss", withLifetime(meanState(loss, {})), i]));
  spec.metrics.forEach((metrics, i) => {
    for (const metric of metrics) entries.push([prefix(i) + metric.name, makeState(metric), i]);
  });
  const names = ["loss", ...entries.map(([name]) => name)];
  const results = () => [tf.div(lossTotal, lossCount), ...entries.map(([, s]) => tf.reshape(s.result(), []))];
  const logs = () => { // one read for them all
    const values = tf.tidy(() => tf.stack(results()).dataSync());
    return Object.fromEntries(names.map((name, i) => [name, values[i]]));
  };
  // (As few kernels per batch as the numbers allow: each is a dispatch, which on small
  // batches costs more than its arithmetic.) An output's loss is the mean of its values
  // (Keras' sum_over_batch_size), weighted; here times the batch's size.
  const lossTimesSize = (values, weight, size) => {
    const factor = (weight * size) / values.size;
    const sum = tf.sum(values);
    return factor === 1 ? sum : tf.mul(sum, factor);
  };
  try {
    for (let batch = 0; ; batch += 1) {
      const data = next(batch);
      if (data == null) break;
      try {
        if (onBatchBegin) onBatchBegin(batch);
        tf.tidy(() => {
          const [batchX, batchY] = data;
          const size = batchX[0].shape[0];
          // (the graph TF.js's predictOnBatch runs, without its checks, slice and concatenation)
          const outputs = graph.execute(batchX, outputNames);
          // The batch's loss times its size: the outputs' losses, plus the regularization losses.
          const terms = losses.map((loss, i) => lossTimesSize(loss(batchY[i], outputs[i]), spec.weights[i], size));
          const penalties = graph.calculateLosses();
          if (penalties.length) terms.push(tf.mul(tf.addN(penalties), size));
          addTo(lossTotal, terms.length > 1 ? tf.addN(terms) : terms[0]);
          lossCount += size;
          for (const [, state, i] of entries) state.add(batchY[i], outputs[i]);
        });
      } finally {
        tf.dispose(data);
      }
      if (onBatchEnd) onBatchEnd(batch, logs());
    }
    return logs();
  } finally {
    lossTotal.dispose();
    entries.forEach(([, state]) => state.dispose());
  }
}

// The batches of numpy arrays in Pyodide's memory, for evaluate: take(start, end) gives those
// rows of the inputs then the targets as new tensors (_tfjs.array_helpers().batches: no copy
// of the whole arrays first, no slice a batch); next(batch) as arrayBatches'.
function rowBatches(take, inputCount, count, batchSize) {
  return (batch) => {
    const start = batch * batchSize;
    if (start >= count) return null;
    const tensors = take(start, Math.min(start + batchSize, count));
    return [tensors.slice(0, inputCount), tensors.slice(inputCount)];
  };
}

return { compile, arrayBatches, rowBatches };
