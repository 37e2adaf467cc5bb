// cosyclone studio: the page's behaviour. Plain JavaScript, no build step, no dependency.
// Every decision (preflight, consent, clone, score) is the server's, through the library; this file records,
// sends, shows, and keeps the clone button honest (enabled only after a pass/warn sample and a verified consent).
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  sample: null, // the kept sample's name on the server
  sampleVerdict: null, // pass | warn | fail
  consentBlob: null, // the last consent recording (re-checked when the sample changes)
  consent: null, // the kept consent recording's name, when verified
  consentVerdict: null, // verified | refused
  voiceId: null,
  cloning: false,
};

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body;
  try {
    body = await response.json();
  } catch (error) {
    body = { message: `the studio answered HTTP ${response.status}` };
  }
  if (!response.ok) {
    const failure = new Error(body.message || `HTTP ${response.status}`);
    failure.body = body;
    throw failure;
  }
  return body;
}

function describe(error) {
  const body = error.body || {};
  return body.hint ? `${error.message} — ${body.hint}` : error.message;
}

function sendAudio(path, blob) {
  return api(path, {
    method: "POST",
    body: blob,
    headers: { "Content-Type": blob.type || "application/octet-stream" },
  });
}

// ----- recording: a toggle with a level meter and the elapsed time ------------------------------------------

// The microphone's level (RMS of the last 2048 samples, scaled to 0–1) through an AnalyserNode.
function levelMeter(stream) {
  try {
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const read = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const value of samples) sum += value * value;
      return Math.min(1, Math.sqrt(sum / samples.length) * 4);
    };
    return { context, read };
  } catch (error) {
    return null;
  }
}

// One recorder of the page's template, filled into the row `${prefix}-recorder`: a recording or a chosen file goes
// to onRecorded(blob, problem).
class Recorder {
  constructor(prefix, label, onRecorded, onPartial = null) {
    const row = $(`${prefix}-recorder`);
    row.append($("recorder").content.cloneNode(true));
    const part = (name, id, testid = true) => {
      const node = row.querySelector(`[data-part="${name}"]`);
      node.id = id;
      if (testid) node.dataset.testid = id;
      return node;
    };
    this.button = part("record", `record-${prefix}`);
    this.box = part("recording", `${prefix}-recording`, false);
    this.meter = part("level", `${prefix}-level`);
    this.elapsed = part("elapsed", `${prefix}-elapsed`);
    this.label = label;
    this.onRecorded = onRecorded;
    this.onPartial = onPartial; // called every few seconds with the recording so far
    this.active = null;
    this.reset();
    this.button.addEventListener("click", () => this.toggle().catch((error) => this.failed(error)));
    part("file", `${prefix}-file`).addEventListener("change", (event) => {
      const file = event.target.files[0];
      if (!file) return;
      this.showLength(file);
      this.onRecorded(file, null);
    });
  }

  showLength(file) {
    // A chosen file's length where the recording time stands ("—" when the browser cannot read it).
    const url = URL.createObjectURL(file);
    const audio = new Audio();
    const done = (text) => {
      this.elapsed.textContent = text;
      URL.revokeObjectURL(url);
    };
    this.elapsed.textContent = "…";
    audio.addEventListener("loadedmetadata", () =>
      done(Number.isFinite(audio.duration) ? `${audio.duration.toFixed(1)} s` : "—"),
    );
    audio.addEventListener("error", () => done("—"));
    audio.preload = "metadata";
    audio.src = url;
  }

  async toggle() {
    if (this.active) this.stop();
    else await this.start();
  }

  failed(error) {
    this.reset();
    this.onRecorded(null, `the microphone could not be used: ${error.message}`);
  }

  async start() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/ogg"];
    const mimeType = types.find((type) => MediaRecorder.isTypeSupported(type));
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    const chunks = [];
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size) chunks.push(event.data);
    });
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      this.onRecorded(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }), null);
    });
    const level = levelMeter(stream); // null where the browser cannot measure the level: recording goes on
    const started = performance.now();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
      if (this.onPartial && ticks % 30 === 0 && chunks.length) {
        this.onPartial(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
      }
      if (level) this.meter.value = level.read();
      this.elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    }, 100);
    const context = level ? level.context : null;
    this.active = { recorder, context, timer };
    recorder.start(250);
    this.button.textContent = "■ Stop";
    this.button.classList.add("on");
    this.box.hidden = false;
  }

  stop() {
    const { recorder, context, timer } = this.active;
    this.active = null;
    clearInterval(timer);
    recorder.stop();
    if (context) context.close().catch(() => {});
    this.reset();
  }

  reset() {
    this.button.textContent = `● ${this.label}`;
    this.button.classList.remove("on");
    this.meter.value = 0;
  }
}

// ----- 1. the sample and its preflight ------------------------------------------------------------------------

const ADVICE = {
  pass: "the sample is good to clone.",
  warn: "it can be cloned; it would be better with the changes below.",
  fail: "fix this first (record again, or repair the file with `cosyclone check SAMPLE --fix OUT.wav`):",
};

// While recording: the recording so far is checked every 3 s (one check at a time; nothing is kept).
let previewing = false;
let sampleChecks = 0; // a preview that answers after the final check started is dropped
async function previewSample(blob) {
  if (previewing) return;
  previewing = true;
  const live = $("preflight-live");
  const before = sampleChecks;
  try {
    const report = await sendAudio("/api/sample?preview=1", blob);
    if (before !== sampleChecks) return;
    const first = report.findings.find((finding) => finding.level === report.verdict);
    const seconds = report.duration_s ? `${report.duration_s.toFixed(0)} s` : "";
    live.textContent = `so far (${seconds}): ${report.verdict}${first ? ` — ${first.message}` : ""}`;
    live.hidden = false;
  } catch (error) {
    live.hidden = true; // a recording too short to decode yet: say nothing
  } finally {
    previewing = false;
  }
}

async function checkSample(blob, problem) {
  sampleChecks += 1;
  $("preflight-live").hidden = true;
  const box = $("preflight");
  state.sample = null;
  state.sampleVerdict = null;
  updateClone();
  clear(box);
  box.className = "verdict";
  $("preflight-picture").hidden = true;
  if (!blob) {
    box.append(problem);
    return;
  }
  box.append("checking the sample…");
  try {
    const report = await sendAudio("/api/sample", blob);
    clear(box);
    box.className = `verdict ${report.verdict}`;
    box.append(el("strong", {}, report.verdict), ` — ${ADVICE[report.verdict]}`);
    const list = el("ul");
    for (const finding of report.findings) {
      const todo = finding.fixable && !finding.message.includes("--fix") ? " (repairable with --fix)" : "";
      list.append(el("li", { class: finding.level }, `${finding.level}: ${finding.message}${todo}`));
    }
    if (report.findings.length) box.append(list);
    if (report.picture) {
      $("preflight-picture").src = report.picture;
      $("preflight-picture").hidden = false;
    }
    state.sample = report.sample;
    state.sampleVerdict = report.verdict;
    updateClone();
    if (state.consentBlob) await checkConsent(state.consentBlob, null);
  } catch (error) {
    clear(box);
    box.className = "verdict fail";
    box.append(el("strong", {}, "fail"), ` — the sample could not be used: ${describe(error)}`);
  }
}

// ----- 2. consent -----------------------------------------------------------------------------------------------

async function checkConsent(blob, problem) {
  const box = $("consent");
  const heard = $("consent-heard");
  state.consent = null;
  state.consentVerdict = null;
  updateClone();
  clear(box);
  box.className = "verdict";
  heard.hidden = true;
  if (!blob) {
    box.append(problem);
    return;
  }
  state.consentBlob = blob;
  if (!state.sample) {
    box.append("recorded; it is checked as soon as there is a usable sample (step 1).");
    return;
  }
  box.append("checking the consent recording…");
  try {
    const query = `sample=${encodeURIComponent(state.sample)}&language=${encodeURIComponent(consentLanguage())}`;
    const result = await sendAudio(`/api/consent?${query}`, blob);
    clear(box);
    box.className = `verdict ${result.verdict === "verified" ? "pass" : "fail"}`;
    const why = result.verdict === "verified" ? "the words and the voice match the sample." : "not accepted:";
    box.append(el("strong", {}, result.verdict), ` — ${why}`);
    const list = el("ul");
    for (const check of result.checks) list.append(el("li", {}, check));
    box.append(list);
    if (result.heard !== null && result.heard !== undefined) {
      heard.textContent = `heard: “${result.heard}”`;
      heard.hidden = false;
    }
    if (result.verdict === "verified") {
      state.consent = result.consent;
      state.consentVerdict = "verified";
    } else {
      state.consentVerdict = "refused";
    }
    updateClone();
  } catch (error) {
    clear(box);
    box.className = "verdict fail";
    box.append(el("strong", {}, "refused"), ` — the recording could not be checked: ${describe(error)}`);
  }
}

// ----- 3. clone, then the score by itself --------------------------------------------------------------------

function consentLanguage() {
  const language = $("consent-language").value;
  return language === "own" ? "" : language;
}

function updateClone() {
  const ready = ["pass", "warn"].includes(state.sampleVerdict) && state.consentVerdict === "verified";
  $("clone").disabled = !ready || state.cloning;
  $("clone-needs").hidden = ready;
}

async function poll(job, onStage) {
  for (;;) {
    const now = await api(`/api/jobs/${job.job}`);
    if (now.state === "done") return now.result;
    if (now.state === "failed") {
      const failure = new Error(now.error.message);
      failure.body = now.error;
      throw failure;
    }
    onStage(now);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

function post(path, body) {
  return api(path, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
}

async function clone() {
  state.cloning = true;
  updateClone();
  const progress = $("clone-progress");
  const failure = $("clone-error");
  failure.hidden = true;
  progress.hidden = false;
  $("score").textContent = "";
  const sample = state.sample;
  try {
    const job = await post("/api/clone", {
      sample,
      consent: state.consent,
      prefix: $("prefix").value,
      target_model: $("target-model").value,
      consent_language: consentLanguage(),
    });
    const result = await poll(job, (now) => {
      $("clone-stage").textContent = `${now.stage} (${now.elapsed_s.toFixed(0)} s)`;
    });
    state.voiceId = result.voice_id;
    $("voice-id").textContent = result.voice_id;
    $("speak").disabled = false;
    loadVoices();
    score(result.voice_id, sample);
  } catch (error) {
    failure.textContent = `the clone failed: ${describe(error)}`;
    failure.hidden = false;
  } finally {
    progress.hidden = true;
    state.cloning = false;
    updateClone();
  }
}

async function score(voiceId, sample) {
  const box = $("score");
  clear(box);
  box.className = "verdict";
  box.append("scoring the new voice against the sample…");
  try {
    const job = await post("/api/score", { voice_id: voiceId, sample });
    const result = await poll(job, () => {});
    clear(box);
    const band = result.verdict === "same speaker" ? "pass" : result.verdict === "different" ? "fail" : "warn";
    box.className = `verdict ${band}`;
    box.append(
      "speaker similarity ",
      el("strong", { "data-testid": "score-similarity" }, result.similarity.score.toFixed(3)),
      " — ",
      el("strong", { "data-testid": "score-verdict" }, result.verdict),
      el("p", { class: "help" }, result.summary || ""),
    );
  } catch (error) {
    clear(box);
    box.className = "verdict warn";
    box.append(`no score: ${describe(error)}`);
  }
}

// ----- 4. listen ---------------------------------------------------------------------------------------------

async function speak(voiceId, body, audio, errorBox) {
  if (errorBox) errorBox.hidden = true;
  try {
    const result = await post("/api/speak", { voice_id: voiceId, ...body });
    audio.src = result.audio;
    audio.hidden = false;
    audio.play().catch(() => {}); // a browser may refuse to play without a gesture: the controls are there
  } catch (error) {
    if (errorBox) {
      errorBox.textContent = `could not speak: ${describe(error)}`;
      errorBox.hidden = false;
    }
  }
}

// ----- the registry's voices -----------------------------------------------------------------------------------

async function loadVoices() {
  const body = $("voices");
  try {
    const { voices } = await api("/api/voices");
    clear(body);
    for (const voice of voices) {
      const play = el("button", { type: "button", "data-testid": "voice-play" }, "▶ Play");
      play.addEventListener("click", () => speak(voice.voice_id, { greeting: true }, $("voice-audio"), null));
      const remove = el("button", { type: "button", "data-testid": "voice-delete", class: "danger" }, "Delete");
      remove.addEventListener("click", () => deleteVoice(voice.voice_id));
      body.append(
        el(
          "tr",
          { "data-testid": "voice-row", "data-voice-id": voice.voice_id },
          el("td", {}, el("code", {}, voice.voice_id)),
          el("td", {}, voice.target_model || ""),
          el("td", {}, voice.status || ""),
          el("td", {}, play, " ", remove),
        ),
      );
    }
    if (!voices.length) body.append(el("tr", {}, el("td", { colspan: "4", class: "help" }, "no voices yet")));
  } catch (error) {
    clear(body);
    body.append(el("tr", {}, el("td", { colspan: "4", class: "error" }, describe(error))));
  }
}

async function deleteVoice(voiceId) {
  if (!window.confirm(`Delete voice ${voiceId}? This cannot be undone.`)) return;
  try {
    await api(`/api/voices/${encodeURIComponent(voiceId)}`, { method: "DELETE" });
  } catch (error) {
    window.alert(`could not delete ${voiceId}: ${describe(error)}`);
  }
  await loadVoices();
}

// ----- start ---------------------------------------------------------------------------------------------------

async function start() {
  new Recorder("sample", "Record sample", (blob, problem) => checkSample(blob, problem), previewSample);
  new Recorder("consent", "Record consent", (blob, problem) => checkConsent(blob, problem));
  const config = await api("/api/config");
  const languages = $("consent-language");
  const names = { en: "English", zh: "中文 (Mandarin)", own: "your wording" };
  for (const [language, text] of Object.entries(config.consent_texts)) {
    const option = el("option", { value: language }, names[language] || language);
    option.dataset.text = text;
    languages.append(option);
  }
  $("consent-language-label").hidden = languages.options.length < 2;
  const showSentence = () => {
    $("consent-text").textContent = languages.selectedOptions[0].dataset.text;
  };
  showSentence();
  languages.addEventListener("change", () => {
    showSentence();
    if (state.consentBlob) checkConsent(state.consentBlob, null); // the same recording, held to the new words
  });
  $("where").textContent = config.emulator
    ? "record · check · consent · clone · listen · score — on the local emulator (no key, no quota)"
    : `record · check · consent · clone · listen · score — Model Studio, region ${config.region}`;
  const select = $("target-model");
  for (const model of config.models) {
    const option = el("option", { value: model }, model);
    if (model === config.default_model) option.selected = true;
    select.append(option);
  }
  $("clone").addEventListener("click", () => clone());
  $("speak").addEventListener("click", () =>
    speak(state.voiceId, { text: $("speak-text").value }, $("speech"), $("speak-error")),
  );
  updateClone();
  await loadVoices();
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch((error) => {
    document.body.prepend(el("p", { class: "error" }, `the studio could not start: ${describe(error)}`));
  });
});
