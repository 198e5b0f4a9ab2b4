// Live updates: one WebSocket subscription (subscribeprocessesmsg on /api/ws, docs/protocol.md
// section 9.15) delivering every committed change of a process of the colony. It re-subscribes
// when the server ends it (the subscription timeout, a restart, a failover), backing off on
// errors; while it is down the app polls instead. Not a cache: it hands events to the app.
import {ApiError, decodeFrame} from './api.js';

const MAX_BACKOFF_MS = 30000;

export class LiveFeed {
  // onProcess(process) for every event; onStatus(status, detail) with status 'connecting', 'live'
  // or 'down'; onResync() after each (re)subscription, for what was missed while down.
  constructor(api, colonyname, {onProcess, onStatus, onResync}) {
    this.api = api;
    this.colonyname = colonyname;
    this.onProcess = onProcess;
    this.onStatus = onStatus;
    this.onResync = onResync;
    this.socket = null;
    this.stopped = false;
    this.backoff = 1000;
    this.retryTimer = null;
    this.status = 'connecting';
  }

  start() {
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close(1000, 'dashboard closed');
    this.socket = null;
  }

  setStatus(status, detail = '') {
    this.status = status;
    this.onStatus?.(status, detail);
  }

  connect() {
    if (this.stopped) return;
    this.setStatus('connecting');
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/ws`;
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      this.retry(`cannot open ${url}: ${error.message}`);
      return;
    }
    this.socket = socket;
    let failure = null;
    socket.onopen = async () => {
      try {
        // timeout 0: the server's maximum (an hour); the feed subscribes again when it ends.
        const envelope = await this.api.envelope('subscribeprocessesmsg', {
          colonyname: this.colonyname, executortype: '', state: -1, timeout: 0, ack: true,
        });
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(envelope));
      } catch (error) {
        failure = error;
        socket.close();
      }
    };
    socket.onmessage = (message) => {
      let frame;
      try {
        frame = decodeFrame(message.data);
      } catch (error) {
        failure = error;  // an error frame: the server closes right after it
        return;
      }
      if (frame.type === 'subscribed') {
        this.backoff = 1000;
        this.setStatus('live');
        this.onResync?.();
        return;
      }
      this.onProcess?.(frame.payload);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      // The subscription's normal end: subscribe again at once.
      if (failure instanceof ApiError && failure.status === 408) {
        this.connect();
        return;
      }
      const why = failure ? `${failure.status ? `${failure.status}: ` : ''}${failure.message}`
        : `connection closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`;
      // A refused subscription (401 clock, 403 not a member) will not change soon: wait longest.
      if (failure instanceof ApiError && (failure.status === 401 || failure.status === 403)) {
        this.backoff = MAX_BACKOFF_MS;
      }
      this.retry(why);
    };
  }

  retry(why) {
    this.setStatus('down', why);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }
}
