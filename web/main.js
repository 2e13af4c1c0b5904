// Wiring: loads the engine, connects the drawing pad to the classifier view and the network view, and
// hands weights from training to the classifying model. Each piece lives in its own module.
//
// The page never stops silently. Its modules are imported here, inside main(), so one that fails to load
// or to run ends in the error area like any other error while the page starts (a static import would
// leave "Loading the network…" on screen with the reason in a console few visitors open). The training and
// teaching panels are optional: if one fails, drawing and classifying go on without it.

const PREDICT_EVERY_MS = 100;
const $ = (id) => document.getElementById(id);

function errorReporter(el) {
  return (message) => {
    el.textContent = message;
    el.classList.remove('flash');
    void el.offsetWidth; // restart the highlight animation for a repeated message
    el.classList.add('flash');
  };
}

const report = errorReporter($('error'));
$('error').addEventListener('click', () => ($('error').textContent = ''));
// What no code path caught (an exception in an event handler, a promise nobody awaited) is shown too.
// Only real exceptions: an ErrorEvent without one is a browser notice (e.g. a ResizeObserver loop).
window.addEventListener('error', (e) => {
  if (e.error instanceof Error) report(`Something went wrong: ${e.error.message}`);
});
window.addEventListener('unhandledrejection', (e) => report(`Something went wrong: ${e.reason?.message ?? e.reason}`));
// Parts of the page report their own failures with this event (the charts do).
document.addEventListener('lenet-error', (e) => report(e.detail.message));

// A part of the page that may fail on its own: its failure is reported and the page goes on without it.
async function optional(what, make) {
  try {
    return await make();
  } catch (e) {
    report(`The ${what} could not start: ${e.message}. Drawing and classifying still work.`);
    return null;
  }
}

async function main() {
  const status = $('engine-status');
  // The optional panels' modules load alongside the ones the page cannot do without.
  const trainModule = import('./train-panel.js');
  const teachModule = import('./teach.js');
  const classesModule = import('./classes-panel.js'); // Teach it new things
  classesModule.catch(() => {});
  trainModule.catch(() => {}); // reported where it is awaited, below
  teachModule.catch(() => {});
  const [{ loadLeNet }, { DrawingPad }, { ClassificationView }, { NetworkView }, { CurrentModel }, { ModelsPanel },
    { SaliencyView, FoolPanel }] =
    await Promise.all([import('./lenet.js'), import('./draw.js'), import('./classify.js'), import('./netview.js'),
      import('./model.js'), import('./models-panel.js'), import('./explain.js')]);
  const pad = new DrawingPad($('pad'));
  const hint = $('pad-hint');
  const view = new ClassificationView({
    digit: $('prediction'),
    confidence: $('confidence'),
    bars: $('probabilities'),
    preprocessed: $('preprocessed'),
  });
  const netView = new NetworkView($('feature-maps'), $('maps-hint'), {
    tableBox: $('c3-table-box'), table: $('c3-table'), note: $('c3-note'), codesBox: $('rbf-box'), codes: $('rbf-codes'),
  });
  const saliency = new SaliencyView({ canvas: $('saliency'), caption: $('saliency-caption'),
    legend: { digit: $('why-digit'), versus: $('why-versus') } });
  // What the last prediction saw, for "Fool it": { net, input, side, probabilities }, or null.
  let subject = null;

  let lenet;
  try {
    lenet = await loadLeNet();
  } catch (e) {
    status.textContent = 'The network could not start.';
    report(`The WebAssembly module could not be loaded: ${e.message}. This page needs a browser with WebAssembly.`);
    document.body.dataset.ready = 'error';
    return;
  }
  const model = new CurrentModel(lenet);
  const fool = new FoolPanel(
    { target: $('fool-target'), run: $('fool-run'), image: $('fool-image'), change: $('fool-change'), result: $('fool-result') },
    { getSubject: () => (subject && subject.net === model.net ? subject : null), report },
  );

  // --- classify the drawing: throttled while drawing, at once on release ---
  let last = 0;
  let timer = 0;
  function predictNow() {
    clearTimeout(timer);
    timer = 0;
    last = performance.now();
    hint.hidden = !pad.empty;
    const net = model.net;
    try {
      const result = net && !pad.empty ? net.predictDrawing(pad.imageData()) : null;
      if (result) {
        view.show(result.probabilities, result.input, net.inputSize, net.classes());
        const maps = net.featureMaps();
        netView.showMaps(maps);
        subject = { net, input: result.input, side: net.inputSize, probabilities: result.probabilities };
        fool.setClasses(net.classes());
        fool.reset();
        // featureMaps() before: inputGradient runs forward passes of its own
        saliency.show(net, result.input, net.inputSize, result.probabilities,
          { scores: maps.output.data, lowerIsBetter: model.info.config.output === 'rbf' }, net.classes());
        return;
      }
    } catch (e) {
      report(`The drawing could not be classified: ${e.message}`);
    } finally {
      // A hook for tests: how many finished strokes (and '+' for one in progress) the shown result covers.
      document.body.dataset.classified = `${pad.strokes.length}${pad.active ? '+' : ''}`;
      document.body.dataset.wasmHeap = String(lenet.heapBytes());
      document.body.dataset.wasmMalloc = String(lenet.mallocBytes());
    }
    view.clear(model.net?.classes());
    netView.clearMaps();
    saliency.clear();
    subject = null;
    fool.reset();
  }
  function predictSoon() {
    hint.hidden = true;
    if (timer) return;
    timer = setTimeout(predictNow, Math.max(0, PREDICT_EVERY_MS - (performance.now() - last)));
  }
  pad.addEventListener('change', predictSoon);
  pad.addEventListener('release', predictNow);
  pad.addEventListener('clear', predictNow);
  $('clear').addEventListener('click', () => pad.clear());
  $('undo').addEventListener('click', () => pad.undo());
  document.addEventListener('keydown', (e) => {
    if (e.target.closest?.('input, select, textarea')) return;
    if ((e.ctrlKey || e.metaKey) && e.key === 'z') {
      e.preventDefault();
      pad.undo();
    } else if (e.key === 'Escape') pad.clear();
  });

  // --- models: shipped, saved, uploaded; training's weights while following it ---
  let following = false;
  const models = new ModelsPanel(
    model,
    { select: $('model-select'), info: $('model-info'), save: $('model-save'), download: $('model-download'),
      upload: $('model-upload'), status: $('models-status') },
    { report, onUserChoice: (value) => (following = value === 'custom') },
  );
  const teach = await optional('teaching panel', async () => new (await teachModule).TeachPanel(
    { keys: $('teach-keys'), counts: $('teach-counts'), run: $('teach-run'), revert: $('teach-revert'),
      forget: $('teach-forget'), result: $('teach-result') },
    { lenet, pad, model, report, onTuned: (bytes, info) => {
      following = false;
      models.remember(bytes, info);
    } },
  ));
  // --- Teach it new things: classes of the visitor's own (classes-panel.js) ---
  const classes = await optional('"Teach it new things" panel', async () => new (await classesModule).ClassesPanel($('classes'), {
    lenet, pad, model, report, onTaught: (bytes, info) => {
      following = false;
      models.remember(bytes, info);
    },
  }));
  await classes?.restore();
  // --- end of Teach it new things ---

  model.addEventListener('change', ({ detail: info }) => {
    status.textContent = `WebAssembly ${lenet.build === 'simd' ? 'SIMD' : '(no SIMD)'} build · ${info.label}`;
    netView.showFilters(model.net.weights('C1'));
    netView.setPaperParts({
      table: info.config.c3Table ? lenet.c3ConnectionTable() : null,
      codes: info.config.output === 'rbf' ? model.net.weights('OUTPUT') : null,
    });
    predictNow();
    teach?.refresh();
  });

  await optional('training panel', async () => new (await trainModule).TrainPanel(
    { form: $('train-form'), start: $('train-start'), pause: $('train-pause'), reset: $('train-reset'),
      bar: $('progress-bar'), text: $('progress-text'), accuracy: $('test-accuracy'),
      accuracyUnit: $('test-accuracy-unit'), lossChart: $('chart-loss'), accChart: $('chart-acc'),
      confusion: $('confusion'), gallery: $('gallery'), reportHint: $('report-hint') },
    {
      report,
      onState: (state) => {
        if (state === 'loading' || state === 'training') following = true;
      },
      onWeights: (bytes, { epoch, preset }) => {
        const info = { source: 'custom', label: `Trained here (${preset}, epoch ${Number(epoch).toFixed(epoch % 1 ? 1 : 0)})` };
        models.remember(bytes, info);
        if (!following) return;
        try {
          model.loadBytes(bytes, info);
        } catch (e) {
          report(`The weights from training could not be loaded: ${e.message}. The current model is kept.`);
        }
      },
    },
  ));

  status.textContent = `WebAssembly ${lenet.build === 'simd' ? 'SIMD' : '(no SIMD)'} build · loading the model…`;
  try {
    await models.init();
  } catch (e) {
    report(e.message);
  }
  if (!model.net) {
    status.textContent = `WebAssembly ${lenet.build === 'simd' ? 'SIMD' : '(no SIMD)'} build · no model yet: train one below`;
  }
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  $('engine-status').textContent = 'The page could not start.';
  report(`The page could not start: ${e.message}`);
  document.body.dataset.ready = 'error';
});
