package org.vlm4j.hub;

/** Checks and splits Hugging Face repository ids ({@code owner/name}, optionally {@code @revision}). */
final class RepoId {
    private RepoId() {}

    /** Whether {@code s} is spelled like a repository id. */
    static boolean looksLikeRepo(String s) {
        String r = s.contains("@") ? s.substring(0, s.indexOf('@')) : s;
        return r.matches("[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*") && !r.contains("..");
    }

    static void check(String repo) {
        if (!looksLikeRepo(repo) || repo.contains("@")) {
            throw new HubException("'" + repo + "' is not a Hugging Face repository id (expected owner/name)");
        }
    }
}
