"""A second, independent SFTP client (paramiko) against bankdrop's server.

Usage: paramiko_client.py HOST PORT USER PRIVATE_KEY LOCAL_DIR
Prints one `name=value` line per check; exits non-zero on the first unexpected outcome.
"""

import os
import sys

import paramiko


def refused(action):
    """Runs action; returns the errno-like reason it failed, or fails the script if it worked."""
    try:
        action()
    except (IOError, OSError) as e:
        return type(e).__name__ + ":" + str(getattr(e, "errno", ""))
    sys.exit("expected a refusal but the operation succeeded")


def main():
    host, port, user, key_path, local_dir = sys.argv[1:6]
    key = paramiko.Ed25519Key.from_private_key_file(key_path)
    transport = paramiko.Transport((host, int(port)))
    transport.connect(username=user, pkey=key)
    sftp = paramiko.SFTPClient.from_transport(transport)

    src = os.path.join(local_dir, "up.csv")
    with open(src, "wb") as f:
        f.write(b"a|b\n" + b"1|2\n" * 50000)
    size = os.path.getsize(src)

    # put + stat + get
    sftp.put(src, "/transaction/2026-01-27_transaction_v1.csv")
    print("stat_size=%d" % sftp.stat("/transaction/2026-01-27_transaction_v1.csv").st_size)
    print("local_size=%d" % size)
    down = os.path.join(local_dir, "down.csv")
    sftp.get("/transaction/2026-01-27_transaction_v1.csv", down)
    with open(src, "rb") as a, open(down, "rb") as b:
        print("get_equal=%s" % (a.read() == b.read()))

    # listdir
    print("listdir_root=%s" % ",".join(sorted(sftp.listdir("/"))))
    print("listdir_transaction=%s" % ",".join(sorted(sftp.listdir("/transaction"))))

    # plain SSH_FXP_RENAME of a .part upload into its real name
    sftp.put(src, "/balance/b.csv.part")
    sftp.rename("/balance/b.csv.part", "/balance/2026-01-27_balance_v1.csv")
    # plain rename never replaces an existing name
    sftp.put(src, "/balance/again.part")
    print("rename_over_existing=%s" % refused(
        lambda: sftp.rename("/balance/again.part", "/balance/2026-01-27_balance_v1.csv")))
    sftp.remove("/balance/again.part")

    # posix-rename@openssh.com replaces
    sftp.put(src, "/card/c.tmp")
    sftp.put(src, "/card/2026-01-27_card_v1.csv.tmp")
    sftp.posix_rename("/card/c.tmp", "/card/2026-01-27_card_v1.csv.tmp")
    sftp.posix_rename("/card/2026-01-27_card_v1.csv.tmp", "/card/2026-01-27_card_v1.csv")

    # a file object written in small pieces, then read back
    with sftp.open("/account/2026-01-27_account_v1.csv", "wb") as f:
        for i in range(1000):
            f.write(b"row %d\n" % i)
    with sftp.open("/account/2026-01-27_account_v1.csv", "rb") as f:
        print("readback_lines=%d" % len(f.read().splitlines()))

    # refusals
    print("put_read_only=%s" % refused(lambda: sftp.put(src, "/reports/x.csv")))
    print("put_root=%s" % refused(lambda: sftp.put(src, "/x.csv")))
    print("escape_stat=%s" % refused(lambda: sftp.stat("/../../../etc/passwd")))
    print("symlink=%s" % refused(lambda: sftp.symlink("/etc/passwd", "/transaction/l")))
    print("mkdir=%s" % refused(lambda: sftp.mkdir("/transaction/sub")))
    print("remove_read_only=%s" % refused(lambda: sftp.remove("/transaction/processed/old.csv")))
    print("normalize=%s" % sftp.normalize("../../.."))

    # documents: an inbox, removable until the pipeline takes the file
    sftp.put(src, "/documents/id.pdf")
    sftp.remove("/documents/id.pdf")

    sftp.close()
    transport.close()
    print("done=ok")


if __name__ == "__main__":
    main()
