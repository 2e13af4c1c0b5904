// Wiring: loads the engine, connects the drawing pad to the classifier view and the network view, and
// hands weights from training to the classifying model. Each piece lives in its own module.
import { loadLeNet } from './lenet.js';
import { DrawingPad } from './draw.js';
import { ClassificationView } from './classify.js';
import { NetworkView } from './netview.js';
import { CurrentModel } from './model.js';
import { ModelsPanel } from './models-panel.js';
import { TrainPanel } from './train-panel.js';
import { TeachPanel } from './teach.js';

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

async function main() {
  const report = errorReporter($('error'));
  $('error').addEventListener('click', () => ($('error').textContent = ''));
  const status = $('engine-status');
  const pad = new DrawingPad($('pad'));
  const hint = $('pad-hint');
  const view = new ClassificationView({
    digit: $('prediction'),
    confidence: $('confidence'),
    bars: $('probabilities'),
    preprocessed: $('preprocessed'),
  });
  const netView = new NetworkView($('feature-maps'), $('maps-hint'));

  let lenet;
  try {
    lenet = await loadLeNet();
  } catch (e) {
    status.textContent = 'The network could not start.';
    report(`The WebAssembly module could not be loaded: ${e.message}. This page needs a browser with WebAssembly.`);
    return;
  }
  const model = new CurrentModel(lenet);

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
        view.show(result.probabilities, result.input, net.inputSize);
        netView.showMaps(net.featureMaps());
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
    view.clear();
    netView.clearMaps();
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
  const teach = new TeachPanel(
    { keys: $('teach-keys'), counts: $('teach-counts'), run: $('teach-run'), revert: $('teach-revert'),
      forget: $('teach-forget'), result: $('teach-result') },
    { lenet, pad, model, report, onTuned: (bytes, info) => {
      following = false;
      models.remember(bytes, info);
    } },
  );
  model.addEventListener('change', ({ detail: info }) => {
    status.textContent = `WebAssembly ${lenet.build === 'simd' ? 'SIMD' : '(no SIMD)'} build · ${info.label}`;
    netView.showFilters(model.net.weights('C1'));
    predictNow();
    teach.refresh();
  });

  new TrainPanel(
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
  );

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

main();
