// The offer's ring: two short tones made by a WebAudio oscillator (no audio file to load).
// Browsers let a page play sound only after the person used it, so the audio context is made
// (or resumed) on the first click or key press and kept. Until then the sound is locked: after
// a reload an offer can arrive before any click, and the console says so (soundLocked) instead
// of staying silent.
const LOCKED_AFTER_MS = 300; // a resume the browser holds back that long is not allowed
let audio = null;
const unlockedListeners = new Set();

function context() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) {
    audio = new Context();
    audio.addEventListener("statechange", () => {
      if (audio.state === "running") unlockedListeners.forEach((listener) => listener());
    });
  }
  if (audio.state === "suspended") audio.resume().catch(() => {});
  return audio;
}

/** Resolves true when the browser does not let the page play sound yet (no click or key press
 *  since it loaded); false when it may, or when there is no audio here at all. */
export function soundLocked() {
  let ctx;
  try {
    ctx = context();
  } catch {
    return Promise.resolve(false);
  }
  if (!ctx || ctx.state === "running") return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(ctx.state !== "running"), LOCKED_AFTER_MS);
    ctx.resume().then(() => {
      clearTimeout(timer);
      resolve(ctx.state !== "running");
    }, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** listener() once the page may play sound (after the first click or key press). */
export function whenSoundUnlocked(listener) {
  unlockedListeners.add(listener);
}

/** Called from any user gesture: from then on the page may ring. */
export function unlockAudio() {
  try {
    context();
  } catch {
    /* no audio here */
  }
}

/** Two short tones (about half a second in all). */
export function ring() {
  try {
    const ctx = context();
    if (!ctx || ctx.state !== "running") return;
    [0, 0.22].forEach((delay, i) => {
      const tone = ctx.createOscillator();
      const gain = ctx.createGain();
      tone.type = "sine";
      tone.frequency.value = i ? 988 : 784;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + delay);
      gain.gain.exponentialRampToValueAtTime(0.12, ctx.currentTime + delay + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + delay + 0.18);
      tone.connect(gain);
      gain.connect(ctx.destination);
      tone.start(ctx.currentTime + delay);
      tone.stop(ctx.currentTime + delay + 0.2);
    });
  } catch {
    /* no audio here */
  }
}
