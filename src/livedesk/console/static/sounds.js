// The offer's ring: two short tones made by a WebAudio oscillator (no audio file to load).
// Browsers let a page play sound only after the person used it, so the audio context is made
// (or resumed) on the first click or key press and kept.
let audio = null;

function context() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
  return audio;
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
