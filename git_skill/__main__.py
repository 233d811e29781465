from git_skill.cli import main

main()
