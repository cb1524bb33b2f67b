using System.Text.RegularExpressions;

namespace OPSource.Web5.Dwn;

/// <summary>
/// Protocol and schema URI normalization (dwn-sdk-js src/utils/url.ts): a URI without a scheme gets
/// <c>http://</c>, the query and fragment are dropped, and one trailing slash is removed. The URL is
/// parsed with <see cref="Uri"/> (the reference uses the WHATWG URL parser; both lower-case the scheme
/// and host and keep the path as written for the http(s) URIs DWN protocols use).
/// </summary>
public static partial class DwnUrl
{
    /// <summary>The normalized URI; a URI that cannot be parsed is a <see cref="DwnException"/>.</summary>
    public static string Normalize(string url) =>
        TryNormalize(url) ?? throw new DwnException(DwnErrorCode.UrlProtocolNotNormalized, $"'{url}' is not a URI that can be normalized");

    /// <summary>The normalized URI, or null when it cannot be parsed.</summary>
    public static string? TryNormalize(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        var full = HasScheme().IsMatch(url) ? url : "http://" + url;
        if (!Uri.TryCreate(full, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var text = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.UserInfo | UriComponents.Path, UriFormat.UriEscaped);
        if (uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.AbsolutePath == "/" && !text.EndsWith('/'))
        {
            text += "/";
        }

        return text.EndsWith('/') ? text[..^1] : text;
    }

    [GeneratedRegex(@"^[^:]+:(\/{2})?[^\/].*", RegexOptions.CultureInvariant)]
    private static partial Regex HasScheme();
}
