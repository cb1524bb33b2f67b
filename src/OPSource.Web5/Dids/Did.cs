using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace OPSource.Web5.Dids;

/// <summary>
/// A parsed DID URL (W3C DID Core section 3.1-3.2): <c>did:method:id[;params][/path][?query][#fragment]</c>.
/// </summary>
public sealed partial record Did
{
    private Did(string uri, string method, string id, string? parameters, string? path, string? query, string? fragment)
    {
        Uri = uri;
        Method = method;
        Id = id;
        Params = parameters;
        Path = path;
        Query = query;
        Fragment = fragment;
    }

    /// <summary>The DID itself (<c>did:method:id</c>), without path, query or fragment.</summary>
    public string Uri { get; }

    /// <summary>The method name (lower-case letters and digits).</summary>
    public string Method { get; }

    /// <summary>The method-specific identifier.</summary>
    public string Id { get; }

    /// <summary>The parameters after ';' (DID URL), or null.</summary>
    public string? Params { get; }

    /// <summary>The path (with its leading '/'), or null.</summary>
    public string? Path { get; }

    /// <summary>The query (without '?'), or null.</summary>
    public string? Query { get; }

    /// <summary>The fragment (without '#'), or null.</summary>
    public string? Fragment { get; }

    /// <summary>Parses a DID or DID URL.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Did? did)
    {
        did = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var m = DidUrlPattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        var method = m.Groups["method"].Value;
        var id = m.Groups["id"].Value;
        did = new Did(
            "did:" + method + ":" + id,
            method,
            id,
            m.Groups["params"].Success ? m.Groups["params"].Value : null,
            m.Groups["path"].Success && m.Groups["path"].Value.Length > 0 ? m.Groups["path"].Value : null,
            m.Groups["query"].Success ? m.Groups["query"].Value : null,
            m.Groups["fragment"].Success ? m.Groups["fragment"].Value : null);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static Did Parse(string text) => TryParse(text, out var did) ? did : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDid, $"did: '{Truncate(text)}' is not a DID");

    private static string Truncate(string? s) => s is null ? string.Empty : s.Length > 80 ? s[..80] + "..." : s;

    /// <inheritdoc />
    public override string ToString() => Uri + (Params is null ? string.Empty : ";" + Params) + (Path ?? string.Empty)
        + (Query is null ? string.Empty : "?" + Query) + (Fragment is null ? string.Empty : "#" + Fragment);

    // DID Core 3.1: method-name = 1*method-char (%x61-7A / DIGIT); method-specific-id = *( *idchar ":" ) 1*idchar;
    // idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
    [GeneratedRegex(@"^did:(?<method>[a-z0-9]+):(?<id>(?:(?:[a-zA-Z0-9._-]|%[0-9a-fA-F]{2})*:)*(?:[a-zA-Z0-9._-]|%[0-9a-fA-F]{2})+)(?:;(?<params>[^/?#]*))?(?<path>/[^?#]*)?(?:\?(?<query>[^#]*))?(?:#(?<fragment>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex DidUrlPattern();
}
