// The page side of pyapp.audio: sound out through WebAudio, which lives on the main thread
// only (DESIGN.md, decision 4). Python sends (pyapp/audio.py):
//
//   audio.play  {sampleRate, samples: ArrayBuffer (Float32, mono)}   plays the samples
//   audio.notes {notes: ArrayBuffer (Float64, 4 a note: pitch, start, duration, velocity)}
//   audio.stop  {}                                                   silences everything
//
// One AudioContext, made when the first sound comes. Notes are scheduled on its clock from
// the moment they arrive. The session's Stop and restart silence everything too, notes not
// yet begun included. If the browser holds the context suspended (autoplay policy: no click
// in the page yet), a notice says so and the next click or key press lets the sound out.
//
// What went out is counted for tests and embedding pages: mountAudio returns
//   {played, notes, stops, blocked, errors, sounding, state}
// (main.js publishes it as window.pyapp.audio).

// The synthesizer; pyapp/audio.py's render_notes renders the same with numpy.
const PEAK = 0.2; // the gain of velocity 127
const ATTACK = 0.01; // seconds, linear up to the peak
const DECAY = 0.3; // time constant of the fall towards SUSTAIN * peak
const SUSTAIN = 0.5;
const RELEASE = 0.05; // seconds, linear down to 0 at the note's end
const LEAD = 0.05; // seconds between a message's arrival and its first sound
const RESUME_WAIT_MS = 1000; // how long a suspended context may take to resume

export function mountAudio(session) {
  let context = null;
  let output = null; // a gain node per "take": stop disconnects it, so nothing sounds on
  let generation = 0; // bumped by stop: sounds still waiting for the context are dropped
  let gestureHooked = false;
  const sounding = new Set(); // started or scheduled source nodes
  const counters = {
    played: 0, // waves started (audio.play)
    notes: 0, // notes scheduled (audio.notes)
    stops: 0,
    blocked: 0, // times the browser kept the context suspended
    errors: 0,
    get sounding() {
      return sounding.size;
    },
    get state() {
      return context ? context.state : "none";
    },
  };

  const notice = (text, error = false) => session.dispatchEvent(new CustomEvent("notice", { detail: { text, error } }));

  const resumeOnGesture = () => {
    for (const type of ["pointerdown", "keydown"]) document.removeEventListener(type, resumeOnGesture, true);
    gestureHooked = false;
    if (context && context.state === "suspended") context.resume().catch(() => {});
  };

  // The context, running if the browser lets it; a notice if it does not.
  async function ready() {
    if (!context) {
      const AudioContextClass = self.AudioContext || self.webkitAudioContext;
      if (!AudioContextClass) throw new Error("this browser has no WebAudio (AudioContext)");
      context = new AudioContextClass();
    }
    if (context.state === "suspended") {
      const waited = new Promise((resolve) => setTimeout(resolve, RESUME_WAIT_MS));
      await Promise.race([context.resume().catch(() => {}), waited]);
      if (context.state === "suspended") {
        counters.blocked += 1;
        if (!gestureHooked) {
          gestureHooked = true;
          for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, resumeOnGesture, true);
          notice("The browser holds the sound back until you click in the page or press a key: it plays then.");
        }
      }
    }
    if (!output) {
      output = context.createGain();
      output.connect(context.destination);
    }
    return context;
  }

  function track(node) {
    sounding.add(node);
    node.addEventListener("ended", () => {
      sounding.delete(node);
      node.disconnect();
    });
  }

  function silence() {
    generation += 1;
    for (const node of sounding) {
      try {
        node.stop();
      } catch {
        // not started, or already stopped
      }
      node.disconnect();
    }
    sounding.clear();
    if (output) {
      output.disconnect();
      output = null;
    }
  }

  // Runs `play(context)` once the context is ready, unless a stop came meanwhile; an error
  // becomes a notice (the program that sent the sound has moved on).
  function whenReady(what, play) {
    const mine = generation;
    ready()
      .then((ctx) => {
        if (mine === generation) play(ctx);
      })
      .catch((error) => {
        counters.errors += 1;
        notice(`pyapp.audio.${what}: the sound could not be played: ${error.message || error}`, true);
      });
  }

  session.addEventListener("message:audio.play", ({ detail }) => {
    const samples = new Float32Array(detail.samples);
    whenReady("play", (ctx) => {
      const buffer = ctx.createBuffer(1, samples.length, detail.sampleRate);
      buffer.copyToChannel(samples, 0);
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(output);
      track(source);
      source.start(ctx.currentTime + LEAD);
      counters.played += 1;
    });
  });

  session.addEventListener("message:audio.notes", ({ detail }) => {
    const notes = new Float64Array(detail.notes);
    whenReady("play_notes", (ctx) => {
      const base = ctx.currentTime + LEAD;
      for (let i = 0; i + 3 < notes.length; i += 4) {
        scheduleNote(ctx, base, notes[i], notes[i + 1], notes[i + 2], notes[i + 3]);
        counters.notes += 1;
      }
    });
  });

  function scheduleNote(ctx, base, pitch, start, duration, velocity) {
    const peak = (PEAK * velocity) / 127;
    const sustain = SUSTAIN * peak;
    const attack = Math.min(ATTACK, duration / 2);
    const release = Math.min(RELEASE, duration / 2);
    const held = sustain + (peak - sustain) * Math.exp(-(duration - release - attack) / DECAY);
    const t0 = base + start;
    const t1 = t0 + duration;
    const oscillator = ctx.createOscillator();
    oscillator.type = "triangle";
    oscillator.frequency.value = 440 * 2 ** ((pitch - 69) / 12);
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0, t0);
    gain.gain.linearRampToValueAtTime(peak, t0 + attack);
    gain.gain.setTargetAtTime(sustain, t0 + attack, DECAY);
    gain.gain.setValueAtTime(held, t1 - release);
    gain.gain.linearRampToValueAtTime(0, t1);
    oscillator.connect(gain).connect(output);
    track(oscillator);
    oscillator.addEventListener("ended", () => gain.disconnect());
    oscillator.start(t0);
    oscillator.stop(t1);
  }

  const stop = () => {
    if (sounding.size || output) counters.stops += 1;
    silence();
  };
  session.addEventListener("message:audio.stop", () => {
    counters.stops += 1;
    silence();
  });
  session.addEventListener("stop", stop);
  session.addEventListener("reset", stop);
  return counters;
}
