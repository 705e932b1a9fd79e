// The package ships ESM without "type": "module": Node loads it as ESM (syntax detection), so
// the class is the module's default export, while TypeScript reads the types as CommonJS and
// puts it one `default` deeper. Whichever is there is the class.
import * as gatewayLib from 'android-sms-gateway';
import type { HttpClient, MessageState } from 'android-sms-gateway';
import type { Config } from '../../config.js';

// The official client (android-sms-gateway) speaks the app's REST API: POST {base}/message
// with Basic auth and {id, message, phoneNumbers, …}, GET {base}/message/{id} for its state.
// It takes any HTTP client; this one is fetch with a bounded wait that throws on non-2xx,
// so the send job can tell a refusal (4xx) from an outage (network error, 5xx).

export type { MessageState };
type ClientClass = typeof gatewayLib.default.default;
export type GatewayClient = InstanceType<ClientClass>;
const lib = gatewayLib.default as unknown as { default?: ClientClass };
const ClientCtor: ClientClass = lib.default ?? (gatewayLib.default as unknown as ClientClass);

export class GatewayHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 15_000;

function fetchHttpClient(): HttpClient {
  const call = async <T>(method: string, url: string, headers?: Record<string, string>, body?: unknown): Promise<T> => {
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) {
      // The gateway's error body is {message} or plain text; no tipster data is in it.
      let detail = text.slice(0, 300);
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? detail;
      } catch {
        // not JSON: keep the text
      }
      throw new GatewayHttpError(res.status, `SMS gateway answered ${res.status}${detail ? `: ${detail}` : ''}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    get: (url, headers) => call('GET', url, headers),
    post: (url, body, headers) => call('POST', url, headers, body),
    put: (url, body, headers) => call('PUT', url, headers, body),
    patch: (url, body, headers) => call('PATCH', url, headers, body),
    delete: (url, headers) => call('DELETE', url, headers),
  };
}

/** The client for SMS_GATEWAY_URL (local mode http://<phone>:8080, or the cloud/private server's /3rdparty/v1). */
export function gatewayClient(config: Config): GatewayClient {
  return new ClientCtor(config.SMS_GATEWAY_USERNAME!, config.SMS_GATEWAY_PASSWORD!, fetchHttpClient(), config.SMS_GATEWAY_URL!.replace(/\/+$/, ''));
}

/** A short reason for the thread: the gateway's own words or the network error. */
export function gatewayErrorText(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(err)}${cause ? ` (${cause})` : ''}`.slice(0, 500);
}
