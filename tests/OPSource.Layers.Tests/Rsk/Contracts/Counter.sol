// SPDX-License-Identifier: MIT
// A small contract for the RSK integration tests: constructor arguments, state, a revert reason, and an event with
// indexed (address, uint256) and non-indexed dynamic (string, uint256[]) values.
pragma solidity ^0.8.20;

contract Counter {
    uint256 public count;
    string public label;

    event Incremented(address indexed by, uint256 indexed newCount, string label, uint256[] history);

    constructor(uint256 start, string memory initialLabel) {
        count = start;
        label = initialLabel;
    }

    function increment(uint256 by, string calldata newLabel) external returns (uint256) {
        require(by > 0, "by must be positive");
        count += by;
        label = newLabel;
        uint256[] memory history = new uint256[](2);
        history[0] = count - by;
        history[1] = count;
        emit Incremented(msg.sender, count, newLabel, history);
        return count;
    }

    function describe() external view returns (uint256, string memory, address) {
        return (count, label, msg.sender);
    }
}
