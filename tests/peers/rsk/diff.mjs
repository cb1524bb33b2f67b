// Differential oracle for tests/OPSource.Layers.Tests/Rsk: reads a JSON array of cases on stdin and prints a JSON
// array of results computed by the reference libraries (ethers 6, @rsksmart/rsk-utils).
import { Wallet, HDNodeWallet, Transaction, AbiCoder, Result, getAddress } from 'ethers';
import { toChecksumAddress, isValidChecksumAddress } from '@rsksmart/rsk-utils';

const input = await new Promise((resolve) => {
  let data = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => (data += c));
  process.stdin.on('end', () => resolve(data));
});

const coder = AbiCoder.defaultAbiCoder();

function toJson(value) {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Result || Array.isArray(value)) return Array.from(value, toJson);
  return value;
}

async function run(c) {
  switch (c.kind) {
    case 'address': {
      const wallet = new Wallet(c.key);
      const lower = wallet.address.toLowerCase();
      return {
        eip55: wallet.address,
        eip1191: toChecksumAddress(lower, c.chainId),
        valid: isValidChecksumAddress(toChecksumAddress(lower, c.chainId), c.chainId),
      };
    }
    case 'tx': {
      const wallet = new Wallet(c.key);
      const fields = {
        type: 0,
        nonce: c.nonce,
        gasPrice: BigInt(c.gasPrice),
        gasLimit: BigInt(c.gasLimit),
        to: c.to,
        value: BigInt(c.value),
        data: c.data,
        chainId: c.chainId,
      };
      const unsigned = Transaction.from(fields);
      const signed = await wallet.signTransaction(fields);
      return { unsigned: unsigned.unsignedSerialized, signed, from: wallet.address, hash: Transaction.from(signed).hash };
    }
    case 'abiEncode':
      return { data: coder.encode(c.types, c.values) };
    case 'abiDecode':
      return { values: toJson(coder.decode(c.types, c.data)) };
    case 'derive':
      return { address: HDNodeWallet.fromPhrase(c.phrase, '', c.path).address };
    case 'checksum':
      return { address: c.chainId ? toChecksumAddress(c.address, c.chainId) : getAddress(c.address) };
    default:
      throw new Error(`unknown case kind ${c.kind}`);
  }
}

const results = [];
for (const c of JSON.parse(input)) {
  try {
    results.push(await run(c));
  } catch (e) {
    results.push({ error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results));
