// Training settings that make each preset learn visibly in the browser, shared by the page's training
// panel and the <lenet-trainer> element, and the pieces of the page's training loop that decide what it
// learns (a seeded generator, the shuffle, the schedule), shared with the test that checks the settings.
//
// Why each differs from its preset (docs/training.md has the measurements; tests/node/train-defaults.test.mjs
// trains the page's run for several seeds of each and fails if one falls short):
// - modern: the preset's batch 128 and dropout 0.5 learn too slowly for a one-pass demo; batch 32 at a
//   higher rate decaying to 10 %, and less dropout, reach the high nineties in one pass.
// - classic (four stacked sigmoids): at the preset's 0.01 some seeds never leave the plateau at chance;
//   half the rate, with a short warm-up (a saturating first step can still stall a seed), learns for all.
// - lecun1998: the preset's own rate, constant.
// Steps over which a run's rate ramps up.
export const WARMUP_STEPS = Object.freeze({ modern: 0, classic: 100, lecun1998: 0 });

export const TRAIN_DEFAULTS = Object.freeze({
  modern: Object.freeze({ optimizer: 'adam', learningRate: 0.005, batchSize: 32, dropout: 0.25, schedule: 'decay' }),
  classic: Object.freeze({ optimizer: 'adam', learningRate: 0.005, batchSize: 32, dropout: 0, schedule: 'decay' }),
  lecun1998: Object.freeze({ optimizer: 'adam', learningRate: 0.003, batchSize: 32, dropout: 0, schedule: 'constant' }),
});

// mulberry32: 32 bits of state, uniform in [0, 1); the same seed gives the same sequence everywhere.
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates, in place, with `random` (a seededRandom). */
export function shuffle(order, random) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
}

/** The network a training run creates, from the panel's or the element's settings. */
export function networkOptions(settings) {
  const { preset, seed, optimizer, learningRate, batchSize, dropout } = settings;
  return { preset, seed, optimizer, learningRate, batchSize, dropout };
}

/**
 * The training session a run starts (net.startTraining), from the same settings: epochs, seed, schedule
 * ('decay': linear to 10 % of the rate by the end), testsPerEpoch held-out evaluations per epoch (the
 * last of them the epoch's full one) on the first quickTest held-out digits.
 */
export function sessionOptions(settings, heldOut) {
  return {
    heldOut,
    epochs: settings.epochs,
    seed: settings.seed,
    schedule: settings.schedule === 'decay' ? 'linear' : 'constant',
    warmup: settings.warmup ?? WARMUP_STEPS[settings.preset] ?? 0,
    evalsPerEpoch: (settings.testsPerEpoch ?? 4) - 1,
    evalLimit: Math.min(settings.quickTest ?? 500, heldOut.labels.length),
  };
}

/**
 * The learning rate after `fraction` (0..1) of the run: 'constant', or 'decay', linear to 10 % of `base` by
 * the end. Decaying lets the last steps settle instead of bouncing: the accuracy at the end of a short
 * run is the point of the demo.
 */
export function scheduledRate(base, schedule, fraction) {
  return schedule === 'decay' ? base * (1 - 0.9 * fraction) : base;
}
