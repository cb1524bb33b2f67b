// Interop driver for OPSource's Web5 tests: runs the reference libraries (@web5/dids, @web5/credentials)
// and prints JSON on stdout. Usage:
//   node interop.mjs resolve DID                  -> DID resolution result
//   node interop.mjs create key|jwk|dht           -> portable DID (did:dht is published to DHT_GATEWAY)
//   node interop.mjs vc-issue PORTABLE_JSON SUBJECT TYPE  -> {"jwt": ...} (signed by the portable DID)
//   node interop.mjs vc-verify JWT                -> {"issuer", "subject", "vc"} or exit 1
//   node interop.mjs pex-select DEFINITION_JSON VC_JWTS_JSON   -> {"selected": [...]}
//   node interop.mjs pex-validate DEFINITION_JSON             -> {"errors": [...]} (@sphereon/pex Checked entries that are errors)
//   node interop.mjs pex-evaluate DEFINITION_JSON PRESENTATION_JSON -> {"errors": [...], "warnings": [...]}
//   node interop.mjs vp-create PORTABLE_JSON DEFINITION_JSON VC_JWTS_JSON -> {"vp_jwt", "presentation"} (holder = the portable DID)
//   node interop.mjs vp-verify VP_JWT             -> {"issuer", "subject", "vp"} or exit 1
//   node interop.mjs bench SECONDS               -> {"ResolveDidKey": ops/s, ...}: the reference side of bench/web5/web5-compare.sh
//        (the operations of bench/OPSource.Benchmarks/Web5Benchmarks.cs, each run sequentially for SECONDS after a warm-up)
// DHT_GATEWAY (env) is the did:dht gateway/pkarr relay base URL (OPSource's /api/v1/web5/dht/).
import { BearerDid, DidDht, DidJwk, DidKey, UniversalResolver } from '@web5/dids';
import { PresentationExchange, VerifiableCredential, VerifiablePresentation } from '@web5/credentials';

const [cmd, ...args] = process.argv.slice(2);
const gatewayUri = process.env.DHT_GATEWAY;
const resolver = new UniversalResolver({ didResolvers: [DidDht, DidJwk, DidKey] });
const out = (value) => process.stdout.write(JSON.stringify(value) + '\n');

try {
  switch (cmd) {
    case 'resolve':
      out(await resolver.resolve(args[0], gatewayUri ? { gatewayUri } : {}));
      break;
    case 'create': {
      let did;
      if (args[0] === 'key') did = await DidKey.create({ options: { algorithm: args[1] ?? 'Ed25519' } });
      else if (args[0] === 'jwk') did = await DidJwk.create({ options: { algorithm: args[1] ?? 'Ed25519' } });
      else did = await DidDht.create({ options: { gatewayUri, publish: true, services: [{ id: 'dwn', type: 'DecentralizedWebNode', serviceEndpoint: ['https://dwn.example/'] }] } });
      out(await did.export());
      break;
    }
    case 'vc-issue': {
      const did = await BearerDid.import({ portableDid: JSON.parse(args[0]) });
      const vc = await VerifiableCredential.create({ type: args[2], issuer: did.uri, subject: args[1], data: { role: 'member', level: 3 } });
      out({ jwt: await vc.sign({ did }) });
      break;
    }
    case 'bench': {
      const seconds = Number(args[0] ?? 3);
      const keyEd = await DidKey.create({ options: { algorithm: 'Ed25519' } });
      const keyK1 = await DidKey.create({ options: { algorithm: 'secp256k1' } });
      const jwkK1 = await DidJwk.create({ options: { algorithm: 'secp256k1' } });
      const data = { role: 'treasurer', level: 3 };
      const vcEd = await (await VerifiableCredential.create({ type: 'DaoMembership', issuer: keyEd.uri, subject: jwkK1.uri, data })).sign({ did: keyEd });
      const vcK1 = await (await VerifiableCredential.create({ type: 'DaoMembership', issuer: keyK1.uri, subject: jwkK1.uri, data })).sign({ did: keyK1 });
      const operations = {
        ResolveDidKey: () => resolver.resolve(keyEd.uri),
        ResolveDidJwk: () => resolver.resolve(jwkK1.uri),
        VerifyVcJwtEd25519: () => VerifiableCredential.verify({ vcJwt: vcEd }),
        VerifyVcJwtSecp256k1: () => VerifiableCredential.verify({ vcJwt: vcK1 }),
      };
      const result = {};
      for (const [name, op] of Object.entries(operations)) {
        const check = await op();
        if (check?.didResolutionMetadata?.error) throw new Error(name + ': ' + check.didResolutionMetadata.error);
        for (let i = 0; i < 50; i++) await op(); // warm-up
        let n = 0;
        const started = performance.now();
        while (performance.now() - started < seconds * 1000) { await op(); n++; }
        result[name] = n / ((performance.now() - started) / 1000);
      }
      out(result);
      break;
    }
    case 'vc-verify': {
      const result = await VerifiableCredential.verify({ vcJwt: args[0] });
      out({ issuer: result.issuer, subject: result.subject, vc: result.vc });
      break;
    }
    case 'pex-select':
      out({ selected: PresentationExchange.selectCredentials({ presentationDefinition: JSON.parse(args[0]), vcJwts: JSON.parse(args[1]) }) });
      break;
    case 'pex-validate': {
      const checked = PresentationExchange.validateDefinition({ presentationDefinition: JSON.parse(args[0]) });
      out({ errors: checked.filter((c) => c.status === 'error').map((c) => `${c.tag}: ${c.message}`) });
      break;
    }
    case 'pex-evaluate': {
      const result = PresentationExchange.evaluatePresentation({ presentationDefinition: JSON.parse(args[0]), presentation: JSON.parse(args[1]) });
      const text = (list) => (list ?? []).map((c) => `${c.tag}: ${c.message}`);
      out({ errors: text(result.errors), warnings: text(result.warnings), areRequiredCredentialsPresent: result.areRequiredCredentialsPresent });
      break;
    }
    case 'vp-create': {
      const did = await BearerDid.import({ portableDid: JSON.parse(args[0]) });
      const presentationDefinition = JSON.parse(args[1]);
      const vcJwts = JSON.parse(args[2]);
      const { presentationSubmission } = PresentationExchange.createPresentationFromCredentials({ presentationDefinition, vcJwts });
      const vp = await VerifiablePresentation.create({ holder: did.uri, vcJwts, additionalData: { presentation_submission: presentationSubmission } });
      out({ vp_jwt: await vp.sign({ did }), presentation: vp.vpDataModel });
      break;
    }
    case 'vp-verify': {
      const result = await VerifiablePresentation.verify({ vpJwt: args[0] });
      out({ issuer: result.issuer, subject: result.subject, vp: result.vp });
      break;
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
} catch (e) {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(1);
}
