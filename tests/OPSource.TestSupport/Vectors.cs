using Xunit;

namespace OPSource.TestSupport;

/// <summary>
/// Locates the public test vectors in <c>../shared/vectors</c> (or <c>$OPSOURCE_VECTORS</c>).
/// Outside CI a missing folder skips the test; with <c>CI=true</c> it fails the run, so vectors
/// can never be silently skipped where it matters.
/// </summary>
public static class Vectors
{
    private static readonly Lazy<string?> Root = new(Locate);

    /// <summary>The repository root (the folder holding OPSource.slnx).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>True when running under CI (<c>CI=true</c>).</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Absolute path of a file or folder below the vectors root; skips or fails when absent.</summary>
    public static string Path(params string[] relative)
    {
        var root = Root.Value;
        if (root is null)
        {
            const string message = "test vectors not found: set OPSOURCE_VECTORS or place shared/vectors beside the repository";
            if (IsCi)
            {
                throw new InvalidOperationException(message + " (CI=true: vectors are mandatory)");
            }

            Assert.Skip(message);
        }

        var full = System.IO.Path.Combine([root!, .. relative]);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new FileNotFoundException($"test vector missing: {full}");
        }

        return full;
    }

    /// <summary>Reads a vector file as text.</summary>
    public static string ReadText(params string[] relative) => File.ReadAllText(Path(relative));

    private static string? Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("OPSOURCE_VECTORS");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv) ? System.IO.Path.GetFullPath(fromEnv) : null;
        }

        var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared", "vectors"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "OPSource.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (OPSource.slnx) above " + AppContext.BaseDirectory);
    }
}
