// DWN interop driver for OPSource's Web5 tests: runs @tbd54566975/dwn-sdk-js and prints JSON on stdout. Usage:
//   node dwn.mjs data-cid SIZE...                 -> {"SIZE": dataCid} for bytes[i] = (i*31+7) & 0xff (Cid.computeDagPbCidFromBytes)
//   node dwn.mjs create PORTABLE_JSON DEFINITION_JSON -> {"records": [...], "protocol": {...}} messages signed by the portable DID,
//        each with {message, messageCid, data_b64?}
//   node dwn.mjs parse MESSAGE_JSON               -> {"author", "message_cid", "record_id"?, "initial"?} (parse + authenticate) or exit 1
//   node dwn.mjs definition DEFINITION_JSON       -> {"error": DwnErrorCode or null} (ProtocolsConfigure.create validation)
import { Cid, DwnInterfaceName, DwnMethodName, Message, PrivateKeySigner, ProtocolsConfigure, RecordsWrite, authenticate } from '@tbd54566975/dwn-sdk-js';
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
    default:
      throw new Error('unknown command ' + cmd);
  }
} catch (e) {
  process.stderr.write(`${e.code ?? ''} ${e.message}\n`);
  process.exit(1);
}
