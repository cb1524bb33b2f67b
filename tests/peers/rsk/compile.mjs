// Compiles one Solidity file with solc's soljson.js (npm solc) and prints {"ContractName": {"abi": [...], "bytecode": "0x..."}}.
import fs from 'node:fs';
import path from 'node:path';
import solc from 'solc';

const file = process.argv[2];
const input = {
  language: 'Solidity',
  sources: { [path.basename(file)]: { content: fs.readFileSync(file, 'utf8') } },
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'london', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } } },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  process.stderr.write(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
const result = {};
for (const [name, contract] of Object.entries(output.contracts[path.basename(file)])) {
  result[name] = { abi: contract.abi, bytecode: '0x' + contract.evm.bytecode.object, deployed: '0x' + contract.evm.deployedBytecode.object };
}
process.stdout.write(JSON.stringify(result));
