// SPDX-License-Identifier: MIT
// TEST DOUBLE of RSK's Bridge precompile (0x0000000000000000000000000000000001000006), installed on anvil with
// anvil_setCode. It implements the Bridge's published ABI (rskj co.rsk.peg.BridgeMethods / BridgeEvents) so the
// OPSource peg client can be exercised end to end, but it is NOT RSK consensus: it verifies no SPV proof, holds no
// federation keys and creates no Bitcoin transactions. The "testDouble*" functions let a test play the federation.
pragma solidity ^0.8.20;

contract BridgeTestDouble {
    string private federationAddress;
    int256 private minimumLockTxValue;
    int256 private lockingCap;
    uint256 private estimatedPegoutFees;
    int256 private btcBestChainHeight;
    mapping(string => int64) private processedHeight;

    event pegin_btc(address indexed receiver, bytes32 indexed btcTxHash, int256 amount, int256 protocolVersion);
    event rejected_pegin(bytes32 indexed btcTxHash, int256 reason);
    event release_request_received(address indexed sender, string btcDestinationAddress, uint256 amount);
    event release_request_rejected(address indexed sender, uint256 amount, int256 reason);
    event release_requested(bytes32 indexed rskTxHash, bytes32 indexed btcTxHash, uint256 amount);
    event pegout_confirmed(bytes32 indexed btcTxHash, uint256 pegoutCreationRskBlockNumber);

    // ---- the Bridge's public read ABI ----
    function getFederationAddress() external view returns (string memory) { return federationAddress; }
    function getMinimumLockTxValue() external view returns (int256) { return minimumLockTxValue; }
    function getLockingCap() external view returns (int256) { return lockingCap; }
    function getEstimatedFeesForNextPegOutEvent() external view returns (uint256) { return estimatedPegoutFees; }
    function getBtcBlockchainBestChainHeight() external view returns (int256) { return btcBestChainHeight; }
    function isBtcTxHashAlreadyProcessed(string calldata hash) external view returns (bool) { return processedHeight[hash] != 0; }
    function getBtcTxHashProcessedHeight(string calldata hash) external view returns (int64) {
        int64 h = processedHeight[hash];
        return h == 0 ? int64(-1) : h;
    }

    // ---- peg-out: RBTC sent to the Bridge (rskj releaseBtc) ----
    receive() external payable {
        uint256 satoshis = msg.value / 1e10;
        if (satoshis * 1e10 != msg.value || satoshis < uint256(minimumLockTxValue)) {
            // rskj RejectedPegoutReason LOW_AMOUNT = 1: the value is refunded.
            emit release_request_rejected(msg.sender, satoshis, 1);
            payable(msg.sender).transfer(msg.value);
            return;
        }
        emit release_request_received(msg.sender, "", satoshis);
    }

    // ---- test-double controls (what the federation and rskj's consensus would do) ----
    function testDoubleConfigure(string calldata federation, int256 minimum, int256 cap, uint256 fees, int256 bestHeight) external {
        federationAddress = federation;
        minimumLockTxValue = minimum;
        lockingCap = cap;
        estimatedPegoutFees = fees;
        btcBestChainHeight = bestHeight;
    }

    function testDoubleRegisterPegin(string calldata btcTxId, bytes32 btcTxHash, address payable receiver, int256 satoshis) external {
        processedHeight[btcTxId] = int64(int256(block.number));
        emit pegin_btc(receiver, btcTxHash, satoshis, 1);
    }

    function testDoubleRejectPegin(bytes32 btcTxHash, int256 reason) external {
        emit rejected_pegin(btcTxHash, reason);
    }

    function testDoubleReleaseRequested(bytes32 rskTxHash, bytes32 btcTxHash, uint256 satoshis) external {
        emit release_requested(rskTxHash, btcTxHash, satoshis);
    }

    function testDoublePegoutConfirmed(bytes32 btcTxHash, uint256 creationBlock) external {
        emit pegout_confirmed(btcTxHash, creationBlock);
    }
}
