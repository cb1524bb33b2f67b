using System.Globalization;

namespace OPSource.Platform.Install;

/// <summary>
/// The answers collected in one installer run, keyed <c>{step}.{question}</c>. A step reads its own
/// answers by question key (<see cref="Get"/>) and may read earlier steps' answers with <see cref="Of"/>.
/// Secret answers are kept in char arrays and cleared by <see cref="InstallAnswerStore.Dispose"/>.
/// </summary>
public sealed class InstallAnswers
{
    private readonly InstallAnswerStore _store;

    internal InstallAnswers(InstallAnswerStore store, string step)
    {
        _store = store;
        Step = step;
    }

    /// <summary>The step whose answers these are.</summary>
    public string Step { get; }

    /// <summary>The answers of another step (asked earlier).</summary>
    public InstallAnswers Of(string step) => new(_store, step);

    /// <summary>True when the question has an answer (given or defaulted).</summary>
    public bool Has(string key) => _store.Has(Step + "." + key);

    /// <summary>A non-secret answer, or null.</summary>
    public string? Get(string key) => _store.Get(Step + "." + key);

    /// <summary>A non-secret answer that must be present.</summary>
    /// <exception cref="InvalidOperationException">Missing (a step bug: the question was not asked).</exception>
    public string Require(string key) => Get(key) ?? throw new InvalidOperationException($"install: answer {Step}.{key} is missing");

    /// <summary>A secret answer (empty when absent). Valid until the run ends.</summary>
    public ReadOnlyMemory<char> GetSecret(string key) => _store.GetSecret(Step + "." + key);

    /// <summary>A yes/no answer, or null when absent.</summary>
    public bool? GetBool(string key) => ParseBool(Get(key));

    /// <summary>A whole-number answer, or null when absent.</summary>
    public long? GetInt64(string key) =>
        long.TryParse(Get(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Parses yes/no answers.</summary>
    public static bool? ParseBool(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "y" or "yes" or "true" => true,
        "n" or "no" or "false" => false,
        _ => null,
    };
}

/// <summary>Holds every answer of one run; disposing it clears the secrets.</summary>
public sealed class InstallAnswerStore : IDisposable
{
    private readonly Dictionary<string, string> _plain = new(StringComparer.Ordinal);
    private readonly Dictionary<string, char[]> _secrets = new(StringComparer.Ordinal);

    /// <summary>The view of one step.</summary>
    public InstallAnswers For(string step) => new(this, step);

    /// <summary>Keys answered so far (<c>step.key</c>).</summary>
    public IEnumerable<string> Keys => _plain.Keys.Concat(_secrets.Keys);

    /// <summary>Sets a plain answer.</summary>
    public void Set(string fullKey, string value)
    {
        ArgumentNullException.ThrowIfNull(fullKey);
        ArgumentNullException.ThrowIfNull(value);
        _plain[fullKey] = value;
    }

    /// <summary>Sets a secret answer (takes ownership of <paramref name="value"/>).</summary>
    public void SetSecret(string fullKey, char[] value)
    {
        ArgumentNullException.ThrowIfNull(fullKey);
        ArgumentNullException.ThrowIfNull(value);
        if (_secrets.Remove(fullKey, out var old))
        {
            Array.Clear(old);
        }

        _secrets[fullKey] = value;
    }

    /// <summary>
    /// Makes an answer given through a file or standard input (stored like a secret, see
    /// <see cref="SetSecret"/>) a plain answer, for a question that is not secret (a long descriptor from a file).
    /// </summary>
    internal void PromoteToPlain(string fullKey)
    {
        if (!_plain.ContainsKey(fullKey) && _secrets.Remove(fullKey, out var value))
        {
            _plain[fullKey] = new string(value);
            Array.Clear(value);
        }
    }

    internal bool Has(string fullKey) => _plain.ContainsKey(fullKey) || _secrets.ContainsKey(fullKey);

    internal string? Get(string fullKey) => _plain.GetValueOrDefault(fullKey);

    internal ReadOnlyMemory<char> GetSecret(string fullKey) => _secrets.TryGetValue(fullKey, out var v) ? v : ReadOnlyMemory<char>.Empty;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var value in _secrets.Values)
        {
            Array.Clear(value);
        }

        _secrets.Clear();
    }
}
