// DWN interop driver for OPSource's Web5 tests: runs @tbd54566975/dwn-sdk-js and prints JSON on stdout. Usage:
//   node dwn.mjs data-cid SIZE...                 -> {"SIZE": dataCid} for bytes[i] = (i*31+7) & 0xff (Cid.computeDagPbCidFromBytes)
//   node dwn.mjs create PORTABLE_JSON DEFINITION_JSON -> {"records": [...], "protocol": {...}} messages signed by the portable DID,
//        each with {message, messageCid, data_b64?}
//   node dwn.mjs parse MESSAGE_JSON               -> {"author", "message_cid", "record_id"?, "initial"?} (parse + authenticate) or exit 1
//   node dwn.mjs definition DEFINITION_JSON       -> {"error": DwnErrorCode or null} (ProtocolsConfigure.create validation)
//   node dwn.mjs roundtrip PORTABLE_JSON SIZE URL... -> {"record_id", "runs": [{"write", "query", "read", "read_data_b64", "other_read"}, ...]}:
//        a RecordsWrite of SIZE bytes, a RecordsQuery and a RecordsRead by the portable DID (the tenant) and an anonymous
//        RecordsRead, the same messages sent to each DWN endpoint URL as dwn-server's JSON-RPC (dwn-request header, data
//        as the body); the JSON-RPC responses as received
//   node dwn.mjs grant PORTABLE_JSON GRANTEE_DID SCOPE_JSON DATE_GRANTED DATE_EXPIRES [PUBLICATION [DELEGATED]]
//        -> {"message", "data_b64", "encoded"}: PermissionsProtocol.createGrant signed by the portable DID (the grantor);
//        PUBLICATION '' for none, DELEGATED 'true' for a delegated grant; encoded is its dataEncodedMessage
//   node dwn.mjs delegate PORTABLE_JSON KIND GRANT_JSON OPTIONS_JSON -> {"message", "data_b64"?}: a message signed by the
//        portable DID (the delegate) under the data-encoded delegated grant GRANT_JSON. KIND: Write (OPTIONS_JSON: protocol,
//        protocolPath, published, messageTimestamp, text), Read (recordId), Query (protocol), Subscribe (protocol), Delete
//        (recordId), Configure (definition), OwnerWrite (message, data_b64: a RecordsWrite by another author that the
//        delegate signs as owner-delegate, RecordsWrite.signAsOwnerDelegate)
//   node dwn.mjs revoke PORTABLE_JSON GRANT_MESSAGE_JSON GRANT_DATA_B64 DATE_REVOKED -> {"message", "data_b64"}: createRevocation
//   node dwn.mjs grant-write PORTABLE_JSON GRANT_ID OPTIONS_JSON -> {"message", "data_b64"}: a RecordsWrite signed with
//        permissionGrantId (OPTIONS_JSON: protocol, protocolPath, schema, published, messageTimestamp, text)
//   node dwn.mjs grant-read PORTABLE_JSON GRANT_ID RECORD_ID -> {"message"}: a RecordsRead signed with permissionGrantId
//   node dwn.mjs subscribe PORTABLE_JSON HTTP_URL WS_URL -> {"subscribe", "anonymous", "events", "anonymous_events", "close",
//        "after_close", "write_over_ws", "subscribe_over_process"}: dwn-server's JsonRpcSocket subscribes (the portable DID
//        as tenant, and anonymously) to schema Note over WS_URL, then Records writes/updates/deletes go to HTTP_URL;
//        events are listed as {"method", "record_id", "message_cid"}
//   node dwn.mjs messages PORTABLE_JSON KIND OPTIONS_JSON -> {"message", "message_cid"}: a MessagesQuery, MessagesRead or
//        MessagesSubscribe (KIND Query|Read|Subscribe) signed by the portable DID; OPTIONS_JSON: filters, cursor,
//        messageCid, permissionGrantId, messageTimestamp
//   node dwn.mjs messages-subscribe PORTABLE_JSON HTTP_URL WS_URL DEFINITION_JSON -> {"subscribe", "scoped", "codes",
//        "events", "scoped_events", "expected"}: the portable DID (the tenant) subscribes over WS_URL with MessagesSubscribe
//        (no filters, and filters [{protocol}]), then configures the protocol and writes/updates/deletes records over
//        HTTP_URL; events are listed as {"interface", "method", "message_cid"}
//   node dwn.mjs bench COUNT CONCURRENCY URL... -> [{"url", "writes", "queries"}]: for each DWN endpoint a fresh did:key
//        tenant; COUNT RecordsWrites (256 bytes, tagged) and COUNT RecordsQuery (tag filter, newest 10) are signed first,
//        then sent with CONCURRENCY requests in flight: writes, then queries; per phase ops/s, p50/p99 ms, errors
import { Cid, DwnInterfaceName, DwnMethodName, Encoder, Message, PermissionGrant, PermissionsProtocol, PrivateKeySigner, ProtocolsConfigure, RecordsQuery, RecordsRead, RecordsWrite, authenticate } from '@tbd54566975/dwn-sdk-js';
import { DidDht, DidJwk, DidKey, UniversalResolver } from '@web5/dids';
import { MessagesQuery, MessagesRead, MessagesSubscribe, RecordsDelete, RecordsSubscribe } from '@tbd54566975/dwn-sdk-js';
import { JsonRpcSocket } from './node_modules/@web5/dwn-server/dist/esm/src/json-rpc-socket.js';

const [cmd, ...args] = process.argv.slice(2);
const resolver = new UniversalResolver({ didResolvers: [DidDht, DidJwk, DidKey] });
const out = (value) => process.stdout.write(JSON.stringify(value) + '\n');
const pattern = (size) => { const b = new Uint8Array(size); for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff; return b; };

function signerOf(portable) {
  const vm = portable.document.verificationMethod[0];
  const privateJwk = portable.privateKeys.find((k) => k.x === vm.publicKeyJwk.x) ?? portable.privateKeys[0];
  const keyId = vm.id.startsWith('#') ? portable.uri + vm.id : vm.id;
  return new PrivateKeySigner({ privateJwk, keyId, algorithm: privateJwk.crv === 'secp256k1' ? 'ES256K' : 'EdDSA' });
}

// dwn-server's JSON-RPC over HTTP: the reply's status code.
async function postStatus(httpUrl, tenant, id, message, data) {
  const request = { jsonrpc: '2.0', id, method: 'dwn.processMessage', params: { target: tenant, message } };
  const response = await fetch(httpUrl, { method: 'POST', headers: { 'dwn-request': JSON.stringify(request), ...(data ? { 'content-type': 'application/octet-stream' } : {}) }, body: data });
  return (await response.json()).result?.reply?.status?.code;
}

// Opens a subscription over a JsonRpcSocket; each event is pushed to sink.
function subscribeEvents(socket, tenant, subscriptionId, id, message, sink) {
  const request = { jsonrpc: '2.0', id, method: 'rpc.subscribe.dwn.processMessage', params: { target: tenant, message }, subscription: { id: subscriptionId } };
  return socket.subscribe(request, (response) => { if (response.result?.event) sink.push(response.result.event); });
}

try {
  switch (cmd) {
    case 'data-cid': {
      const result = {};
      for (const s of args) result[s] = await Cid.computeDagPbCidFromBytes(pattern(Number(s)));
      out(result);
      break;
    }
    case 'create': {
      const portable = JSON.parse(args[0]);
      const definition = JSON.parse(args[1]);
      const signer = signerOf(portable);
      const records = [];
      const plainData = new TextEncoder().encode('hello from dwn-sdk-js');
      const plain = await RecordsWrite.create({ signer, data: plainData, dataFormat: 'text/plain', schema: 'https://schema.org/Note', published: true, tags: { topic: 'interop', n: 3 } });
      records.push({ message: plain.message, message_cid: await Message.getCid(plain.message), data_b64: Buffer.from(plainData).toString('base64') });
      const configure = await ProtocolsConfigure.create({ signer, definition });
      const rootType = Object.keys(definition.structure)[0];
      const protoData = pattern(300000);
      const root = await RecordsWrite.create({ signer, data: protoData, dataFormat: 'application/octet-stream', protocol: definition.protocol, protocolPath: rootType, schema: definition.types[rootType].schema });
      records.push({ message: root.message, message_cid: await Message.getCid(root.message), data_b64: Buffer.from(protoData).toString('base64') });
      out({ records, protocol: { message: configure.message, message_cid: await Message.getCid(configure.message) } });
      break;
    }
    case 'parse': {
      const message = JSON.parse(args[0]);
      const kind = message.descriptor.interface + message.descriptor.method;
      if (kind === DwnInterfaceName.Records + DwnMethodName.Write) {
        const write = await RecordsWrite.parse(message);
        await authenticate(message.authorization, resolver);
        out({ author: write.author, message_cid: await Message.getCid(message), record_id: message.recordId, initial: await write.isInitialWrite() });
      } else if (kind === DwnInterfaceName.Protocols + DwnMethodName.Configure) {
        const configure = await ProtocolsConfigure.parse(message);
        await authenticate(message.authorization, resolver);
        out({ author: configure.author, message_cid: await Message.getCid(message) });
      } else {
        throw new Error('unsupported message ' + kind);
      }
      break;
    }
    case 'definition': {
      const did = await DidKey.create({ options: { algorithm: 'Ed25519' } });
      const signer = signerOf(await did.export());
      try {
        await ProtocolsConfigure.create({ signer, definition: JSON.parse(args[0]) });
        out({ error: null });
      } catch (e) {
        out({ error: e.code ?? String(e.message) });
      }
      break;
    }
    case 'roundtrip': {
      const portable = JSON.parse(args[0]);
      const urls = args.slice(2);
      const signer = signerOf(portable);
      const tenant = portable.uri;
      let id = 0;
      const send = async (url, message, data) => {
        const request = { jsonrpc: '2.0', id: String(++id), method: 'dwn.processMessage', params: { target: tenant, message } };
        const response = await fetch(url, { method: 'POST', headers: { 'dwn-request': JSON.stringify(request), ...(data ? { 'content-type': 'application/octet-stream' } : {}) }, body: data });
        const header = response.headers.get('dwn-response');
        if (header) {
          return { rpc: JSON.parse(header), data: Buffer.from(await response.arrayBuffer()).toString('base64') };
        }
        return { rpc: await response.json(), http_status: response.status };
      };
      const data = pattern(Number(args[1]));
      const write = await RecordsWrite.create({ signer, data, dataFormat: 'application/octet-stream', schema: 'https://schema.org/Photograph', tags: { album: 'interop' } });
      const query = await RecordsQuery.create({ signer, filter: { schema: 'https://schema.org/Photograph', tags: { album: 'interop' } }, dateSort: 'createdDescending' });
      const read = await RecordsRead.create({ signer, filter: { recordId: write.message.recordId } });
      const anonymous = await RecordsRead.create({ filter: { recordId: write.message.recordId } });
      const runs = [];
      for (const url of urls) {
        const written = await send(url, write.message, data);
        const queried = await send(url, query.message);
        const got = await send(url, read.message);
        const other = await send(url, anonymous.message);
        runs.push({ write: written.rpc, query: queried.rpc, read: got.rpc, read_data_b64: got.data ?? null, other_read: other.rpc });
      }
      out({ record_id: write.message.recordId, runs });
      break;
    }
    case 'grant': {
      const [portable, grantedTo, scope, dateGranted, dateExpires, publication, delegated] = args;
      const { recordsWrite, permissionGrantBytes, dataEncodedMessage } = await PermissionsProtocol.createGrant({
        signer: signerOf(JSON.parse(portable)), grantedTo, scope: JSON.parse(scope), dateGranted, dateExpires,
        conditions: publication ? { publication } : undefined, delegated: delegated === 'true' ? true : undefined,
      });
      out({ message: recordsWrite.message, data_b64: Buffer.from(permissionGrantBytes).toString('base64'), encoded: dataEncodedMessage });
      break;
    }
    case 'delegate': {
      const [portable, kind, grantJson, options] = args;
      const signer = signerOf(JSON.parse(portable));
      const delegatedGrant = JSON.parse(grantJson);
      const o = JSON.parse(options);
      const messageTimestamp = o.messageTimestamp;
      switch (kind) {
        case 'Write': {
          const data = new TextEncoder().encode(o.text);
          const write = await RecordsWrite.create({
            signer, delegatedGrant, data, dataFormat: 'application/json', protocol: o.protocol, protocolPath: o.protocolPath,
            published: o.published, messageTimestamp, dateCreated: messageTimestamp,
          });
          out({ message: write.message, data_b64: Buffer.from(data).toString('base64') });
          break;
        }
        case 'OwnerWrite': {
          const write = await RecordsWrite.parse(o.message);
          await write.signAsOwnerDelegate(signer, delegatedGrant);
          out({ message: write.message, data_b64: o.data_b64 });
          break;
        }
        case 'Read':
          out({ message: (await RecordsRead.create({ signer, delegatedGrant, messageTimestamp, filter: { recordId: o.recordId } })).message });
          break;
        case 'Query':
          out({ message: (await RecordsQuery.create({ signer, delegatedGrant, messageTimestamp, filter: { protocol: o.protocol } })).message });
          break;
        case 'Subscribe':
          out({ message: (await RecordsSubscribe.create({ signer, delegatedGrant, messageTimestamp, filter: { protocol: o.protocol } })).message });
          break;
        case 'Delete':
          out({ message: (await RecordsDelete.create({ signer, delegatedGrant, messageTimestamp, recordId: o.recordId })).message });
          break;
        case 'Configure':
          out({ message: (await ProtocolsConfigure.create({ signer, delegatedGrant, messageTimestamp, definition: o.definition })).message });
          break;
        default:
          throw new Error('unknown delegate kind ' + kind);
      }
      break;
    }
    case 'revoke': {
      const [portable, grantMessage, grantData, dateRevoked] = args;
      const grant = await PermissionGrant.parse({ ...JSON.parse(grantMessage), encodedData: Encoder.bytesToBase64Url(Buffer.from(grantData, 'base64')) });
      const { recordsWrite, permissionRevocationBytes } = await PermissionsProtocol.createRevocation({ signer: signerOf(JSON.parse(portable)), grant, dateRevoked });
      out({ message: recordsWrite.message, data_b64: Buffer.from(permissionRevocationBytes).toString('base64') });
      break;
    }
    case 'grant-write': {
      const [portable, permissionGrantId, options] = args;
      const o = JSON.parse(options);
      const data = new TextEncoder().encode(o.text);
      const write = await RecordsWrite.create({
        signer: signerOf(JSON.parse(portable)), permissionGrantId, data, dataFormat: 'application/json',
        protocol: o.protocol, protocolPath: o.protocolPath, schema: o.schema, published: o.published,
        messageTimestamp: o.messageTimestamp, dateCreated: o.messageTimestamp,
      });
      out({ message: write.message, data_b64: Buffer.from(data).toString('base64') });
      break;
    }
    case 'grant-read': {
      const [portable, permissionGrantId, recordId] = args;
      const read = await RecordsRead.create({ signer: signerOf(JSON.parse(portable)), permissionGrantId, filter: { recordId } });
      out({ message: read.message });
      break;
    }
    case 'subscribe': {
      const [portableJson, httpUrl, wsUrl] = args;
      const portable = JSON.parse(portableJson);
      const signer = signerOf(portable);
      const tenant = portable.uri;
      let id = 0;
      const post = (message, data) => postStatus(httpUrl, tenant, String(++id), message, data);
      const describe = async (e) => ({
        method: e.message.descriptor.method,
        record_id: e.message.recordId ?? e.message.descriptor.recordId,
        message_cid: await Message.getCid(e.message),
        initial_write: e.initialWrite ? await Message.getCid(e.initialWrite) : null,
      });
      const socket = await JsonRpcSocket.connect(wsUrl, { responseTimeout: 60_000 });
      const events = [];
      const anonymousEvents = [];
      const subscribe = (message, sink) => { id += 2; return subscribeEvents(socket, tenant, 'sub-' + (id - 1), String(id), message, sink); };
      const filter = { schema: 'https://schema.org/Note' };
      const ownedMessage = (await RecordsSubscribe.create({ signer, filter })).message;
      const owned = await subscribe(ownedMessage, events);
      const anonymous = await subscribe((await RecordsSubscribe.create({ filter })).message, anonymousEvents);
      const text = (t) => new TextEncoder().encode(JSON.stringify({ text: t }));
      const w1 = await RecordsWrite.create({ signer, data: text('one'), dataFormat: 'application/json', schema: filter.schema, published: true });
      const w2 = await RecordsWrite.create({ signer, data: text('two'), dataFormat: 'application/json', schema: filter.schema });
      const other = await RecordsWrite.create({ signer, data: text('other'), dataFormat: 'application/json', schema: 'https://schema.org/Photograph' });
      const codes = [await post(w1.message, text('one')), await post(w2.message, text('two')), await post(other.message, text('other'))];
      const u1 = await RecordsWrite.createFrom({ recordsWriteMessage: w1.message, data: text('one, edited'), signer });
      codes.push(await post(u1.message, text('one, edited')));
      const d2 = await RecordsDelete.create({ recordId: w2.message.recordId, signer });
      codes.push(await post(d2.message));
      const deadline = Date.now() + 30_000;
      while ((events.length < 4 || anonymousEvents.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await owned.close?.();
      await anonymous.close?.();
      const closeAgain = await socket.request({ jsonrpc: '2.0', id: String(++id), method: 'rpc.subscribe.close', params: {}, subscription: { id: 'sub-unknown' } });
      const before = events.length;
      const w3 = await RecordsWrite.create({ signer, data: text('three'), dataFormat: 'application/json', schema: filter.schema, published: true });
      codes.push(await post(w3.message, text('three')));
      await new Promise((r) => setTimeout(r, 500));
      const writeOverWs = await socket.request({ jsonrpc: '2.0', id: String(++id), method: 'dwn.processMessage', params: { target: tenant, message: w3.message } });
      const subscribeOverProcess = await socket.request({ jsonrpc: '2.0', id: String(++id), method: 'dwn.processMessage', params: { target: tenant, message: (await RecordsSubscribe.create({ signer, filter })).message } });
      const query = await socket.request({ jsonrpc: '2.0', id: String(++id), method: 'dwn.processMessage', params: { target: tenant, message: (await RecordsQuery.create({ signer, filter })).message } });
      socket.close();
      out({
        codes,
        subscribe: owned.response.result?.reply?.status ?? owned.response.error,
        subscription_id_is_cid: owned.response.result?.reply?.subscription?.id === await Message.getCid(ownedMessage),
        anonymous: anonymous.response.result?.reply?.status ?? anonymous.response.error,
        events: await Promise.all(events.map(describe)),
        anonymous_events: await Promise.all(anonymousEvents.map(describe)),
        close_unknown_error: closeAgain.error?.code ?? null,
        after_close: events.length - before,
        write_over_ws_error: writeOverWs.error?.code ?? null,
        subscribe_over_process_error: subscribeOverProcess.error?.code ?? null,
        query_over_ws: { status: query.result?.reply?.status?.code, entries: query.result?.reply?.entries?.length },
        expected: { w1: w1.message.recordId, w2: w2.message.recordId, u1: await Message.getCid(u1.message), d2: await Message.getCid(d2.message) },
      });
      break;
    }
    case 'messages': {
      const [portable, kind, options] = args;
      const o = { ...JSON.parse(options), signer: signerOf(JSON.parse(portable)) };
      const created = kind === 'Query' ? await MessagesQuery.create(o) : kind === 'Read' ? await MessagesRead.create(o) : await MessagesSubscribe.create(o);
      out({ message: created.message, message_cid: await Message.getCid(created.message) });
      break;
    }
    case 'messages-subscribe': {
      const [portableJson, httpUrl, wsUrl, definitionJson] = args;
      const portable = JSON.parse(portableJson);
      const definition = JSON.parse(definitionJson);
      const signer = signerOf(portable);
      const tenant = portable.uri;
      let id = 0;
      const post = (message, data) => postStatus(httpUrl, tenant, String(++id), message, data);
      const describe = async (e) => ({ interface: e.message.descriptor.interface, method: e.message.descriptor.method, message_cid: await Message.getCid(e.message) });
      const socket = await JsonRpcSocket.connect(wsUrl, { responseTimeout: 60_000 });
      const subscribe = (message, sink) => { id += 2; return subscribeEvents(socket, tenant, 'sub-' + (id - 1), String(id), message, sink); };
      const events = [];
      const scopedEvents = [];
      const all = await subscribe((await MessagesSubscribe.create({ signer, filters: [] })).message, events);
      const scoped = await subscribe((await MessagesSubscribe.create({ signer, filters: [{ protocol: definition.protocol }] })).message, scopedEvents);
      const text = (t) => new TextEncoder().encode(JSON.stringify({ text: t }));
      const rootType = Object.keys(definition.structure)[0];
      const configure = await ProtocolsConfigure.create({ signer, definition });
      const p1 = await RecordsWrite.create({ signer, data: text('p1'), dataFormat: definition.types[rootType].dataFormats?.[0] ?? 'application/json', protocol: definition.protocol, protocolPath: rootType, schema: definition.types[rootType].schema });
      const plain = await RecordsWrite.create({ signer, data: text('plain'), dataFormat: 'application/json', schema: 'https://schema.org/Note' });
      const codes = [await post(configure.message), await post(p1.message, text('p1')), await post(plain.message, text('plain'))];
      const u1 = await RecordsWrite.createFrom({ recordsWriteMessage: p1.message, data: text('p1, edited'), signer });
      codes.push(await post(u1.message, text('p1, edited')));
      const d1 = await RecordsDelete.create({ recordId: p1.message.recordId, signer });
      codes.push(await post(d1.message));
      const deadline = Date.now() + 30_000;
      while ((events.length < 5 || scopedEvents.length < 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await all.close?.();
      await scoped.close?.();
      socket.close();
      out({
        codes,
        subscribe: all.response.result?.reply?.status ?? all.response.error,
        scoped: scoped.response.result?.reply?.status ?? scoped.response.error,
        events: await Promise.all(events.map(describe)),
        scoped_events: await Promise.all(scopedEvents.map(describe)),
        expected: {
          configure: await Message.getCid(configure.message), p1: await Message.getCid(p1.message), plain: await Message.getCid(plain.message),
          u1: await Message.getCid(u1.message), d1: await Message.getCid(d1.message),
        },
      });
      break;
    }
    case 'bench': {
      const [count, concurrency, ...urls] = args;
      const n = Number(count);
      const results = [];
      for (const url of urls) {
        const did = await DidKey.create({ options: { algorithm: 'Ed25519' } });
        const signer = signerOf(await did.export());
        const writes = [];
        const queries = [];
        for (let i = 0; i < n; i++) {
          const data = pattern(256).map((b) => b ^ (i & 0xff));
          const write = await RecordsWrite.create({ signer, data, dataFormat: 'application/octet-stream', schema: 'https://schema.org/Note', tags: { batch: 'bench', n: i % 16 } });
          writes.push({ message: write.message, data });
          const query = await RecordsQuery.create({ signer, filter: { schema: 'https://schema.org/Note', tags: { n: i % 16 } }, dateSort: 'createdDescending', pagination: { limit: 10 } });
          queries.push({ message: query.message });
        }
        let id = 0;
        const send = async ({ message, data }) => {
          const request = { jsonrpc: '2.0', id: String(++id), method: 'dwn.processMessage', params: { target: did.uri, message } };
          const response = await fetch(url, { method: 'POST', headers: { 'dwn-request': JSON.stringify(request), ...(data ? { 'content-type': 'application/octet-stream' } : {}) }, body: data });
          const body = await response.json();
          return body.result?.reply?.status?.code ?? 0;
        };
        const phase = async (items, ok) => {
          const latencies = [];
          let errors = 0;
          let next = 0;
          const started = performance.now();
          const worker = async () => {
            while (next < items.length) {
              const item = items[next++];
              const t = performance.now();
              const code = await send(item);
              latencies.push(performance.now() - t);
              if (code !== ok) errors++;
            }
          };
          await Promise.all(Array.from({ length: Number(concurrency) }, worker));
          const seconds = (performance.now() - started) / 1000;
          latencies.sort((a, b) => a - b);
          const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
          return { count: items.length, seconds, ops_per_s: items.length / seconds, p50_ms: at(0.5), p99_ms: at(0.99), errors };
        };
        await send(writes[0]); // warm-up: the first write (and its DID resolution) is not measured
        results.push({ url, writes: await phase(writes.slice(1), 202), queries: await phase(queries, 200) });
      }
      out(results);
      break;
    }
    default:
      throw new Error('unknown command ' + cmd);
  }
} catch (e) {
  process.stderr.write(`${e.code ?? ''} ${e.message}\n`);
  process.exit(1);
}
