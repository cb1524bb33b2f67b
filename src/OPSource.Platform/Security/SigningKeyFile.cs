using System.Security.Cryptography;
using System.Text;

namespace OPSource.Platform.Security;

/// <summary>
/// A 256-bit random key kept in a file readable by its owner only (mode 600). Created on first use;
/// a file readable by group or others is refused (as OpenSSH refuses loose private keys).
/// The file holds the key's base64 text and a trailing newline.
/// </summary>
public static class SigningKeyFile
{
    /// <summary>Key length in bytes.</summary>
    public const int KeyLength = 32;

    /// <summary>Loads the key, creating the file (and its directory, mode 700) when absent.</summary>
    /// <exception cref="InvalidOperationException">The file is unreadable, malformed or too permissive (message names the path, never the key).</exception>
    public static byte[] LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (File.Exists(path))
            {
                if (TryRead(path, out var key))
                {
                    return key;
                }

                // Another process may be writing it right now (it creates the file before filling it).
                Thread.Sleep(20);
                continue;
            }

            if (TryCreate(path, out var created))
            {
                return created;
            }
        }

        throw new InvalidOperationException($"auth: signing key file '{path}' is not a base64 {KeyLength}-byte key");
    }

    private static bool TryRead(string path, out byte[] key)
    {
        key = [];
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new InvalidOperationException($"auth: signing key file '{path}' is readable or writable by others (run: chmod 600 '{path}')");
            }
        }

        var text = File.ReadAllText(path).Trim();
        var buffer = new byte[KeyLength];
        if (!Convert.TryFromBase64String(text, buffer, out var written) || written != KeyLength)
        {
            CryptographicOperations.ZeroMemory(buffer);
            return false;
        }

        key = buffer;
        return true;
    }

    private static bool TryCreate(string path, out byte[] key)
    {
        key = [];
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var fresh = RandomNumberGenerator.GetBytes(KeyLength);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(fresh) + "\n");
            stream.Write(text);
            CryptographicOperations.ZeroMemory(text);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Lost the race to another process: read theirs.
            CryptographicOperations.ZeroMemory(fresh);
            return false;
        }

        key = fresh;
        return true;
    }
}
