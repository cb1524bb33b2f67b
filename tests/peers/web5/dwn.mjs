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
import { Cid, DwnInterfaceName, DwnMethodName, Message, PrivateKeySigner, ProtocolsConfigure, RecordsQuery, RecordsRead, RecordsWrite, authenticate } from '@tbd54566975/dwn-sdk-js';
import { DidDht, DidJwk, DidKey, UniversalResolver } from '@web5/dids';

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
    default:
      throw new Error('unknown command ' + cmd);
  }
} catch (e) {
  process.stderr.write(`${e.code ?? ''} ${e.message}\n`);
  process.exit(1);
}
