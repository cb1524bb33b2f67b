namespace OPSource.Platform.SelfTest;

/// <summary>Outcome of one self-test check (the JSON report writes these in lower case).</summary>
public enum SelfTestStatus
{
    /// <summary>The check passed.</summary>
    Pass,

    /// <summary>Works, but something needs attention (e.g. node still syncing).</summary>
    Warn,

    /// <summary>The check failed; <c>opsource test</c> exits 1.</summary>
    Fail,

    /// <summary>Not run, with the reason in the detail (e.g. no passphrase given).</summary>
    Skip,
}

/// <summary>The result of a check: status and a one-line, secret-free detail.</summary>
public sealed record SelfTestResult(SelfTestStatus Status, string Detail)
{
    /// <summary>A passing result.</summary>
    public static SelfTestResult Pass(string detail) => new(SelfTestStatus.Pass, detail);

    /// <summary>A warning.</summary>
    public static SelfTestResult Warn(string detail) => new(SelfTestStatus.Warn, detail);

    /// <summary>A failure.</summary>
    public static SelfTestResult Fail(string detail) => new(SelfTestStatus.Fail, detail);

    /// <summary>A skipped check.</summary>
    public static SelfTestResult Skip(string reason) => new(SelfTestStatus.Skip, reason);
}

/// <summary>Inputs a check may use: secrets the operator supplied for this run only.</summary>
public sealed class SelfTestContext
{
    /// <summary>Wallet passphrase given to <c>opsource test</c> (null: decryption checks are skipped).</summary>
    public ReadOnlyMemory<char>? WalletPassphrase { get; init; }
}

/// <summary>A real check of an installed instance, contributed by a module through the module contract.</summary>
public interface ISelfTestCheck
{
    /// <summary>Component the check belongs to (usually the module name: <c>wallet</c>, <c>node</c>).</summary>
    string Component { get; }

    /// <summary>Check name within the component (<c>seed_decryptable</c>).</summary>
    string Name { get; }

    /// <summary>Runs the check. Must not throw for an expected failure: return <see cref="SelfTestResult.Fail"/>.</summary>
    Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken);
}
