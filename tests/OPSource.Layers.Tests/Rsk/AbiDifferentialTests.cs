using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>Random ABI types and values encode byte-identically with ethers 6's AbiCoder, and each side decodes the other's bytes.</summary>
public sealed class AbiDifferentialTests
{
    [Fact]
    public async Task Random_abi_values_encode_identically_and_decode_both_ways()
    {
        RskPeers.Require();
        var random = new Random(2718);
        var cases = new JsonArray();
        var ours = new List<(IReadOnlyList<AbiType> Types, IReadOnlyList<object> Values, byte[] Encoded)>();
        for (var i = 0; i < 300; i++)
        {
            var types = Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomType(random, 0)).ToList();
            var values = types.Select(t => RandomValue(random, t)).ToList();
            var encoded = AbiCodec.Encode(types, values);
            ours.Add((types, values, encoded));
            var typeNames = new JsonArray([.. types.Select(t => (JsonNode)JsonValue.Create(t.Canonical)!)]);
            cases.Add(new JsonObject { ["kind"] = "abiEncode", ["types"] = typeNames.DeepClone(), ["values"] = AbiCodec.ToJsonArray(types, values) });
            cases.Add(new JsonObject { ["kind"] = "abiDecode", ["types"] = typeNames, ["data"] = "0x" + Convert.ToHexStringLower(encoded) });
        }

        var results = await RskPeers.DiffAsync(cases, TestContext.Current.CancellationToken);
        for (var i = 0; i < ours.Count; i++)
        {
            var (types, values, encoded) = ours[i];
            var context = string.Join(",", types.Select(t => t.Canonical));
            var theirs = results[2 * i]!;
            Assert.True(theirs["error"] is null, $"{context}: {theirs["error"]}");
            Assert.Equal((string)theirs["data"]!, "0x" + Convert.ToHexStringLower(encoded));

            // ethers decodes our bytes to the same values (addresses compared case-insensitively: both EIP-55).
            var decodedByEthers = results[(2 * i) + 1]!;
            Assert.True(decodedByEthers["error"] is null, $"{context}: {decodedByEthers["error"]}");
            Assert.Equal(AbiCodec.ToJsonArray(types, values).ToJsonString(), decodedByEthers["values"]!.ToJsonString());

            // We decode ethers' bytes to the same values.
            var theirBytes = Convert.FromHexString(((string)theirs["data"]!)[2..]);
            Assert.Equal(AbiCodec.ToJsonArray(types, values).ToJsonString(), AbiCodec.ToJsonArray(types, AbiCodec.Decode(types, theirBytes)).ToJsonString());
        }
    }

    internal static AbiType RandomType(Random random, int depth)
    {
        var pick = random.Next(depth >= 2 ? 7 : 10);
        return pick switch
        {
            0 => AbiType.UInt(8 * random.Next(1, 33)),
            1 => AbiType.Int(8 * random.Next(1, 33)),
            2 => AbiType.Address,
            3 => AbiType.Bool,
            4 => AbiType.FixedBytes(random.Next(1, 33)),
            5 => AbiType.DynamicBytes,
            6 => AbiType.String,
            7 => AbiType.Array(RandomType(random, depth + 1), random.Next(2) == 0 ? null : random.Next(1, 4)),
            8 => AbiType.Array(RandomType(random, depth + 1), null),
            _ => AbiType.Tuple(Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomType(random, depth + 1)).ToList()),
        };
    }

    internal static object RandomValue(Random random, AbiType type)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
                return Edge(random, BigInteger.Zero, (BigInteger.One << type.Size) - 1);
            case AbiKind.Int:
            {
                var limit = BigInteger.One << (type.Size - 1);
                return Edge(random, -limit, limit - 1);
            }

            case AbiKind.Address:
                return RskAddress.FromBytes(RskDifferentialTests.RandomBytes(random, 20));
            case AbiKind.Bool:
                return random.Next(2) == 1;
            case AbiKind.FixedBytes:
                return RskDifferentialTests.RandomBytes(random, type.Size);
            case AbiKind.Bytes:
                return RskDifferentialTests.RandomBytes(random, random.Next(0, 80));
            case AbiKind.String:
            {
                const string alphabet = "abcXYZ 019_-é€中😀";
                var sb = new StringBuilder();
                var n = random.Next(0, 40);
                var elements = System.Globalization.StringInfo.GetTextElementEnumerator(alphabet);
                var pieces = new List<string>();
                while (elements.MoveNext())
                {
                    pieces.Add(elements.GetTextElement());
                }

                for (var i = 0; i < n; i++)
                {
                    sb.Append(pieces[random.Next(pieces.Count)]);
                }

                return sb.ToString();
            }

            case AbiKind.Array:
            {
                var count = type.Length ?? random.Next(0, 4);
                return Enumerable.Range(0, count).Select(_ => RandomValue(random, type.Element!)).ToList();
            }

            default:
                return type.Components.Select(c => RandomValue(random, c)).ToList();
        }
    }

    private static BigInteger Edge(Random random, BigInteger min, BigInteger max)
    {
        switch (random.Next(6))
        {
            case 0: return min;
            case 1: return max;
            case 2: return BigInteger.Zero;
            default:
            {
                var span = max - min + 1;
                var bytes = RskDifferentialTests.RandomBytes(random, span.GetByteCount(true) + 1);
                return min + (new BigInteger(bytes, isUnsigned: true) % span);
            }
        }
    }
}
