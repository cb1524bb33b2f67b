using OPSource.Bitcoin;

namespace OPSource.Platform.Errors;

/// <summary>What is wrong with the operator's settings (codes <c>settings.*</c>, docs/errors.md).</summary>
public enum SettingsErrorKind
{
    /// <summary>A settings file cannot be read as a JSON object (not JSON, not an object, a duplicate key).</summary>
    InvalidFile,

    /// <summary>A setting's name is not <c>Section:Key</c>.</summary>
    InvalidKey,

    /// <summary>A value breaks its setting's rule (the message names the setting).</summary>
    InvalidValue,
}

/// <summary>
/// A typed settings error: the configuration the operator wrote (files, <c>OPSOURCE_</c> variables, <c>--set</c>)
/// is the user's input, so the hosts report it as a user error (CLI exit 1, HTTP 400) with code <c>settings.kind</c>.
/// It derives from the library's <see cref="BitcoinError"/>, the one base of typed input errors.
/// </summary>
public sealed class SettingsError : BitcoinError<SettingsErrorKind>
{
    /// <summary>Creates the error; <paramref name="message"/> names the file or setting.</summary>
    public SettingsError(SettingsErrorKind kind, string message)
        : base("settings", kind, message, null)
    {
    }

    /// <summary>The exception form (a <see cref="BitcoinFormatException"/>).</summary>
    public static BitcoinFormatException Exception(SettingsErrorKind kind, string message) => new SettingsError(kind, message).ToException();
}
