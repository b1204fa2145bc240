// Evaluated in every fresh context before the user's code. `__plumb` holds the host functions;
// it is removed from the global object here so user code cannot reach it directly.
(() => {
  const h = globalThis.__plumb;
  delete globalThis.__plumb;
  const show = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return v.stack ? `${v}\n${v.stack}` : String(v);
    try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch (_) { return String(v); }
  };
  const line = (args) => args.map(show).join(' ');
  const logger = {};
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'metric']) {
    logger[level] = (...args) => h.log(level, line(args));
  }
  logger.log = logger.info;
  globalThis.console = logger;
  globalThis.setTimeout = (fn, ms, ...args) => h.setTimer(() => fn(...args), ms, false);
  globalThis.setInterval = (fn, ms, ...args) => h.setTimer(() => fn(...args), ms, true);
  globalThis.clearTimeout = (id) => h.clearTimer(id);
  globalThis.clearInterval = globalThis.clearTimeout;

  class Buffer extends Uint8Array {
    static from(value, encoding) {
      if (typeof value === 'string') return Buffer.wrap(h.encode(value, encoding || 'utf8'));
      if (value instanceof ArrayBuffer) return new Buffer(value.slice(0));
      return new Buffer(value);
    }
    static wrap(bytes) { Object.setPrototypeOf(bytes, Buffer.prototype); return bytes; }
    static alloc(size) { return new Buffer(size); }
    static isBuffer(value) { return value instanceof Buffer; }
    static byteLength(value, encoding) {
      return typeof value === 'string' ? h.encode(value, encoding || 'utf8').length : value.byteLength;
    }
    static concat(list) {
      const out = new Buffer(list.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of list) { out.set(b, at); at += b.length; }
      return out;
    }
    toString(encoding) { return h.decode(this, encoding || 'utf8'); }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
  }
  globalThis.Buffer = Buffer;
  for (const name of Object.keys(h.stepResults)) {
    const r = h.stepResults[name].results;
    if (r instanceof Uint8Array) Buffer.wrap(r);
  }

  const state = (scope) => new Proxy({}, {
    get: (_, key) => {
      if (typeof key !== 'string') return undefined;
      const text = h.stateGet(scope, key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    set: (_, key, value) => {
      h.stateSet(scope, String(key), JSON.stringify(value === undefined ? null : value));
      return true;
    },
    deleteProperty: (_, key) => { h.stateRemove(scope, String(key)); return true; },
    has: (_, key) => typeof key === 'string' && h.stateGet(scope, key) !== undefined,
  });

  const context = JSON.parse(h.context);
  context.logger = logger;
  context.instanceState = state('instance');
  context.crossFlowState = state('crossFlow');
  context.executionState = state('execution');
  const require = (name) => { throw new Error(`require('${name}') is not available in plumb code steps`); };
  globalThis.__plumbStart = (main) => {
    const module = { exports: {} };
    main(module, module.exports, require);
    let fn = module.exports;
    if (typeof fn !== 'function' && fn && typeof fn.default === 'function') fn = fn.default;
    if (typeof fn !== 'function') throw new TypeError('module.exports must be a function (context, stepResults) => ({ data })');
    return fn(context, h.stepResults);
  };
})();
