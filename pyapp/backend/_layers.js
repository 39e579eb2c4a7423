// Keras 3 layers that TF.js 4.22 lacks, built from TF.js ops and registered under their
// Keras names, so that `fromConfig` (and TF.js's own loaders) make them from a model.json.
// pyapp/layers/ holds their names, arguments and checks; this file holds only the arithmetic,
// written after Keras 3's own (keras/src/layers/). Python evaluates it once per session,
// before building a model: new Function("tf", source)(tf).

// keras.backend.epsilon(): the least divisor of Normalization.
const EPSILON = 1e-7;

// Keras 3's Normalization: (x - mean) / max(sqrt(variance), epsilon), per position of `axis`.
class Normalization extends tf.layers.Layer {
  static className = "Normalization";

  constructor(config) {
    super(config);
    this.axis = config.axis;
    this.invert = config.invert;
    this.meanValue = config.mean;
    this.varianceValue = config.variance;
  }

  kept(shape) {
    return this.axis.map((a) => (a < 0 ? a + shape.length : a)).sort((a, b) => a - b);
  }

  build(inputShape) {
    if (this.meanValue == null) {
      const shape = this.kept(inputShape).map((a) => inputShape[a]);
      const make = (name, s, init) => this.addWeight(name, s, "float32", init, undefined, false);
      this.adaptedMean = make("mean", shape, tf.initializers.zeros());
      this.adaptedVariance = make("variance", shape, tf.initializers.ones());
      make("count", [], tf.initializers.zeros()); // Keras 3 keeps it (an int32, never changed)
    }
    this.built = true;
  }

  // Keras reshapes a mean of fewer axes than kept onto the last kept axes.
  broadcast(value, shape) {
    const kept = this.kept(shape);
    const expanded = shape.map(() => 1);
    for (let i = 1; i <= value.shape.length; i += 1) expanded[kept[kept.length - i]] = value.shape[value.shape.length - i];
    return tf.reshape(value, expanded);
  }

  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const given = this.meanValue != null;
      const mean = this.broadcast(given ? tf.tensor(this.meanValue) : this.adaptedMean.read(), x.shape);
      const variance = this.broadcast(given ? tf.tensor(this.varianceValue) : this.adaptedVariance.read(), x.shape);
      const scale = tf.maximum(tf.sqrt(variance), EPSILON);
      return this.invert ? tf.add(mean, tf.mul(x, scale)) : tf.div(tf.sub(x, mean), scale);
    });
  }

  computeOutputShape(inputShape) {
    return inputShape;
  }

  getConfig() {
    return { ...super.getConfig(), axis: this.axis, invert: this.invert, mean: this.meanValue,
             variance: this.varianceValue };
  }
}

// Keras 3's Subtract: the first input minus the second.
class Subtract extends tf.layers.Layer {
  static className = "Subtract";

  call(inputs) {
    return tf.tidy(() => tf.sub(inputs[0], inputs[1]));
  }

  computeOutputShape(inputShape) {
    return inputShape[0];
  }
}

// Keras 3's crop of an image batch (NHWC) to the aspect ratio of height x width, centred
// (keras/src/backend/jax/image.py, resize with crop_to_aspect_ratio=True).
function cropToAspectRatio(x, height, width) {
  const [h, w] = [x.shape[1], x.shape[2]];
  const cropHeight = Math.max(Math.min(h, Math.trunc((w * height) / width)), 1);
  const cropWidth = Math.max(Math.min(w, Math.trunc((h * width) / height)), 1);
  const top = Math.trunc((h - cropHeight) / 2);
  const left = Math.trunc((w - cropWidth) / 2);
  return tf.slice(x, [0, top, left, 0], [-1, cropHeight, cropWidth, -1]);
}

// Keras 3 (JAX's image.resize without antialiasing) samples at half-pixel centres.
function resize(x, height, width, interpolation) {
  const resizer = interpolation === "nearest" ? tf.image.resizeNearestNeighbor : tf.image.resizeBilinear;
  return resizer(x, [height, width], false, true);
}

const imageShape = (inputShape, height, width) => [inputShape[0], height, width, inputShape[3]];

// Keras 3's Resizing (bilinear or nearest, optionally cropped to the aspect ratio first).
class Resizing extends tf.layers.Layer {
  static className = "Resizing";

  constructor(config) {
    super(config);
    this.height = config.height;
    this.width = config.width;
    this.interpolation = config.interpolation;
    this.cropToAspectRatio = config.cropToAspectRatio;
  }

  call(inputs) {
    return tf.tidy(() => {
      let x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (this.cropToAspectRatio) x = cropToAspectRatio(x, this.height, this.width);
      return resize(x, this.height, this.width, this.interpolation);
    });
  }

  computeOutputShape(inputShape) {
    return imageShape(inputShape, this.height, this.width);
  }

  getConfig() {
    return { ...super.getConfig(), height: this.height, width: this.width, interpolation: this.interpolation,
             cropToAspectRatio: this.cropToAspectRatio };
  }
}

// Keras 3's CenterCrop: the centre of the image, or, where the image is smaller than the
// crop, the image cropped to its aspect ratio and resized (Keras' smart_resize).
class CenterCrop extends tf.layers.Layer {
  static className = "CenterCrop";

  constructor(config) {
    super(config);
    this.height = config.height;
    this.width = config.width;
  }

  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [h, w] = [x.shape[1], x.shape[2]];
      if (h >= this.height && w >= this.width) {
        const top = Math.floor((h - this.height) / 2);
        const left = Math.floor((w - this.width) / 2);
        return tf.slice(x, [0, top, left, 0], [-1, this.height, this.width, -1]);
      }
      return resize(cropToAspectRatio(x, this.height, this.width), this.height, this.width, "bilinear");
    });
  }

  computeOutputShape(inputShape) {
    return imageShape(inputShape, this.height, this.width);
  }

  getConfig() {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
}

// TF.js's CategoryEncoding, whose computeOutputShape writes the output's shape into the
// input's shape array: in a model, the Input then expects (batch, num_tokens) (measured
// here). The same layer, given a copy.
const copyShape = (shape) => (Array.isArray(shape) ? shape.map(copyShape) : shape);
const TfjsCategoryEncoding = tf.serialization.SerializationMap.getMap().classNameMap.CategoryEncoding[0];
class CategoryEncoding extends TfjsCategoryEncoding {
  static className = "CategoryEncoding";

  computeOutputShape(inputShape) {
    return super.computeOutputShape(copyShape(inputShape));
  }
}

// Resizing, CenterCrop and CategoryEncoding replace TF.js's own classes of those names.
for (const cls of [Normalization, Subtract, Resizing, CenterCrop, CategoryEncoding]) {
  tf.serialization.registerClass(cls);
}
return { Normalization, Subtract, Resizing, CenterCrop, CategoryEncoding };
