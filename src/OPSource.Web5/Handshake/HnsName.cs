using System.Security.Cryptography;

namespace OPSource.Web5.Handshake;

/// <summary>Handshake top-level names: the validity rules and the name hash the tree is keyed by.</summary>
public static class HnsName
{
    /// <summary>Longest name (hsd rules.MAX_NAME_SIZE).</summary>
    public const int MaxLength = 63;

    /// <summary>
    /// Normalizes user input (one trailing dot dropped, ASCII lower-cased) and checks hsd's
    /// rules.verifyString: 1 to 63 characters from a-z, 0-9, '-' and '_', the last two not first or last.
    /// </summary>
    public static bool TryNormalize(string? input, out string name, out string? error)
    {
        name = string.Empty;
        var text = input?.Trim() ?? string.Empty;
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }

        text = text.ToLowerInvariant();
        if (text.Length is 0 or > MaxLength)
        {
            error = $"hns: a name has 1 to {MaxLength} characters, not {text.Length}";
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') || (c is '-' or '_' && i != 0 && i != text.Length - 1);
            if (!ok)
            {
                error = c is '.'
                    ? $"hns: '{text}' is not a top-level name (Handshake names have no dots)"
                    : $"hns: '{text}' has a character not allowed at position {i} (a-z, 0-9, and '-' or '_' inside)";
                return false;
            }
        }

        name = text;
        error = null;
        return true;
    }

    /// <summary>The name hash: SHA3-256 of the ASCII name (hsd rules.hashName).</summary>
    public static byte[] Hash(string name)
    {
        if (!TryNormalize(name, out var n, out var error) || n != name)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidHnsName, error ?? $"hns: '{name}' is not normalized");
        }

        Span<byte> ascii = stackalloc byte[MaxLength];
        var length = System.Text.Encoding.ASCII.GetBytes(n, ascii);
        return SHA3_256.HashData(ascii[..length]);
    }
}
