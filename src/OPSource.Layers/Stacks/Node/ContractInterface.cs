using System.Text.Json;
using OPSource.Layers.Stacks.Clarity;

namespace OPSource.Layers.Stacks.Node;

/// <summary>One function of a contract interface: access (<c>public</c>, <c>read_only</c>, <c>private</c>) and typed arguments.</summary>
public sealed record ContractFunction(string Name, string Access, IReadOnlyList<(string Name, ClarityType Type)> Args)
{
    /// <summary>The signature in Clarity syntax, for messages: <c>(pay (amount uint) (to principal))</c>.</summary>
    public override string ToString() =>
        "(" + string.Join(' ', Args.Select(a => $"({a.Name} {a.Type})").Prepend(Name)) + ")";
}

/// <summary>
/// A contract's interface as a Stacks node reports it (<c>GET /v2/contracts/interface/{address}/{name}</c>):
/// its functions with their argument types and the tokens it declares. Checks a call's arguments before
/// it is signed or sent, since a node accepts a contract-call transaction with ill-typed arguments and
/// only the block that runs it aborts it.
/// </summary>
public sealed class ContractInterface(string contract, IReadOnlyDictionary<string, ContractFunction> functions, ContractAssets assets)
{
    /// <summary>The contract identifier (<c>ADDRESS.name</c>).</summary>
    public string Contract { get; } = contract;

    /// <summary>Functions by name.</summary>
    public IReadOnlyDictionary<string, ContractFunction> Functions { get; } = functions;

    /// <summary>The declared tokens.</summary>
    public ContractAssets Assets { get; } = assets;

    /// <summary>Reads an interface document (<c>functions</c>, <c>fungible_tokens</c>, <c>non_fungible_tokens</c>).</summary>
    public static ContractInterface FromJson(string contract, JsonElement root)
    {
        var functions = new Dictionary<string, ContractFunction>(StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("functions", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var f in list.EnumerateArray())
            {
                string name = f.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                string access = f.TryGetProperty("access", out var a) ? a.GetString() ?? "" : "";
                var args = f.TryGetProperty("args", out var argList) && argList.ValueKind == JsonValueKind.Array
                    ? argList.EnumerateArray().Select(x => (x.GetProperty("name").GetString() ?? "", ClarityType.FromAbi(x.GetProperty("type")))).ToList()
                    : [];
                functions[name] = new ContractFunction(name, access, args);
            }
        }

        return new ContractInterface(contract, functions, ContractAssets.FromInterface(root));
    }

    /// <summary>
    /// Throws <see cref="StacksException"/> unless <paramref name="function"/> exists (and, for a transaction,
    /// is public: SIP-005 contract calls run public functions only) and every argument fits its declared type
    /// (<c>clarity_type</c>, naming the argument).
    /// </summary>
    public void CheckCall(string function, IReadOnlyList<ClarityValue> args, bool transaction)
    {
        if (!Functions.TryGetValue(function, out var f) || f.Access == "private")
        {
            throw new StacksException("stacks_unknown_function", $"contract {Contract} has no public or read-only function '{function}'");
        }

        if (transaction && f.Access != "public")
        {
            throw new StacksException("stacks_not_public", $"{Contract}::{function} is {f.Access.Replace('_', '-')}: a transaction can only call public functions");
        }

        if (args.Count != f.Args.Count)
        {
            throw new StacksException("clarity_type", $"clarity: {function} takes {f.Args.Count} argument(s) {f}, got {args.Count}");
        }

        for (int i = 0; i < args.Count; i++)
        {
            if (f.Args[i].Type.Mismatch(args[i], $"{function} argument {i + 1} ({f.Args[i].Name})") is { } error)
            {
                throw new StacksException("clarity_type", $"clarity: {error}");
            }
        }
    }
}
