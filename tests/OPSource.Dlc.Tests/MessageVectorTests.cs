using System.Text.Json.Nodes;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Tests;

public class MessageVectorTests
{
    [Fact]
    public void Every_vector_file_is_covered()
    {
        Assert.Equal(DlcVectorFiles.Names.Order(), DlcVectorFiles.OnDisk().Order());
    }

    [Theory]
    [MemberData(nameof(DlcVectorFiles.All), MemberType = typeof(DlcVectorFiles))]
    public void Hex_decodes_to_the_vector_json_and_json_encodes_to_the_vector_hex(string file)
    {
        var vector = DlcVectorFiles.Load(file);
        foreach (var part in new[] { "offer_message", "accept_message", "sign_message" })
        {
            var hex = vector[part]!["serialized"]!.GetValue<string>();
            var json = vector[part]!["message"]!;

            var decoded = DlcWireCodec.Decode(Convert.FromHexString(hex));
            var asJson = DlcJsonCodec.ToJson(decoded);
            Assert.True(JsonEquivalent.Equal(json, asJson, out var where), $"{file} {part}: hex -> JSON differs at {where}");

            var fromJson = DlcJsonCodec.FromJson(json);
            Assert.Equal(hex, Convert.ToHexStringLower(DlcWireCodec.Encode(fromJson)));
            Assert.Equal(hex, Convert.ToHexStringLower(DlcWireCodec.Encode(decoded)));
        }
    }
}

/// <summary>Semantic JSON equality: numbers by value, objects by key set.</summary>
internal static class JsonEquivalent
{
    public static bool Equal(JsonNode? expected, JsonNode? actual, out string where) => Compare(expected, actual, "$", out where);

    private static bool Compare(JsonNode? e, JsonNode? a, string path, out string where)
    {
        where = path;
        switch (e)
        {
            case null:
                return a is null;
            case JsonObject eo:
                {
                    if (a is not JsonObject ao || eo.Count != ao.Count)
                    {
                        return false;
                    }

                    foreach (var (k, v) in eo)
                    {
                        if (!ao.ContainsKey(k) || !Compare(v, ao[k], path + "." + k, out where))
                        {
                            where = ao.ContainsKey(k) ? where : path + "." + k;
                            return false;
                        }
                    }

                    return true;
                }

            case JsonArray ea:
                {
                    if (a is not JsonArray aa || ea.Count != aa.Count)
                    {
                        return false;
                    }

                    for (int i = 0; i < ea.Count; i++)
                    {
                        if (!Compare(ea[i], aa[i], $"{path}[{i}]", out where))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                {
                    if (a is not JsonValue av)
                    {
                        return false;
                    }

                    var ev = (JsonValue)e;
                    if (ev.GetValueKind() is System.Text.Json.JsonValueKind.Number)
                    {
                        return av.GetValueKind() is System.Text.Json.JsonValueKind.Number
                            && decimal.Parse(ev.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) == decimal.Parse(av.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
                    }

                    return ev.ToJsonString() == av.ToJsonString();
                }
        }
    }
}
