/**
 * The LSP lifecycle (issue 13): before `initialize` the server must answer every request with
 * ServerNotInitialized (-32002) and drop notifications; after `shutdown` it must answer requests
 * with InvalidRequest and drop notifications other than `exit`; a second `initialize` is invalid
 * too. vscode-languageserver handles `exit` (exit code 0 after `shutdown`, else 1) but not this.
 *
 * It works as the connection's message strategy, which sees every incoming message before it is
 * dispatched. A request to refuse is dispatched as a request for REFUSED_METHOD under the same id,
 * whose handler (installed by `refuseWith`) answers with the error: the response reaches the
 * client through the connection like any other.
 */
import { ErrorCodes, Message, ResponseError } from 'vscode-languageserver/node';
import type { Connection, MessageStrategy, NotificationMessage, RequestMessage } from 'vscode-languageserver/node';

export const REFUSED_METHOD = '$/mlsec/refused';

interface Refusal {
  method: string;
  code: number;
  reason: string;
}

export type LifecycleState = 'starting' | 'running' | 'shutDown';

export class Lifecycle implements MessageStrategy {
  state: LifecycleState = 'starting';

  handleMessage(message: Message, next: (message: Message) => void): void {
    if (Message.isRequest(message)) {
      const request = message as RequestMessage;
      if (request.method === REFUSED_METHOD) return next(this.refuse(request, ErrorCodes.MethodNotFound, 'not a method of this server'));
      if (this.state === 'starting' && request.method !== 'initialize') {
        return next(this.refuse(request, ErrorCodes.ServerNotInitialized, 'the server has not been initialized yet'));
      }
      if (this.state === 'shutDown')
        return next(this.refuse(request, ErrorCodes.InvalidRequest, 'the server is shut down; only the exit notification is accepted'));
      if (request.method === 'initialize') {
        if (this.state !== 'starting') return next(this.refuse(request, ErrorCodes.InvalidRequest, 'the server is already initialized'));
        this.state = 'running';
      } else if (request.method === 'shutdown') {
        this.state = 'shutDown';
      }
      return next(message);
    }
    if (Message.isNotification(message)) {
      const notification = message as NotificationMessage;
      // `exit` is always handled (with exit code 1 unless `shutdown` came first).
      if (notification.method === 'exit' || this.state === 'running') return next(message);
      return; // dropped, as the specification asks
    }
    next(message);
  }

  private refuse(request: RequestMessage, code: number, reason: string): RequestMessage {
    const params: Refusal = { method: request.method, code, reason };
    return { jsonrpc: request.jsonrpc, id: request.id, method: REFUSED_METHOD, params };
  }
}

/** Installs the handler that answers refused requests with their error. */
export function refuseWith(connection: Connection): void {
  connection.onRequest(REFUSED_METHOD, (params: Refusal) => {
    throw new ResponseError(params.code, `${params.method}: ${params.reason}`);
  });
}
